// A diagnosis can be lost, never the answer: with an observer that throws from every method, each
// endpoint answers exactly what the OAuth core decided, as it does with the real diagnostics.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LinkingObserver } from '../src/oauth/observer.ts';
import { CLIENT_ID, LAYLA, seedAlexa, startBridge, type TestBridge } from './helpers/bridge.ts';
import { authorizeQuery, basic, getPage, postForm, submitConsent } from './helpers/http.ts';
import { NO_ADMIN } from './helpers/diagnostics.ts';
import { readReply } from './helpers/oauth.ts';
import { challengeParams, pkcePair } from './helpers/pkce.ts';

const broken = (): never => {
  throw new Error('diagnoser exploded');
};

/** Throws from every method, and from every method of the trace it would hand out. */
const throwingObserver = (): LinkingObserver => ({
  authorizationRequest: broken,
  clientRequestAnswered: broken,
  directiveRelayed: broken,
  sweep: broken,
  flush: () => Promise.reject(new Error('diagnoser exploded')),
});

/** Throws only once a trace is in use: the page and form steps. */
const throwingTraces = (): LinkingObserver => ({
  authorizationRequest: () =>
    new Proxy({} as ReturnType<LinkingObserver['authorizationRequest']>, {
      get: (_target, name) => (name === 'attemptId' ? broken() : broken),
    }),
  clientRequestAnswered: broken,
  directiveRelayed: broken,
  sweep: broken,
  flush: async () => undefined,
});

/** What a client sees of an answer: status, OAuth error, description, and a redirect's parameters but not its values' randomness. */
type Seen = Record<string, unknown>;

async function seen(response: Response): Promise<Seen> {
  const location = response.headers.get('location');
  const redirect = location ? new URL(location) : undefined;
  const text = await response.text();
  // Pages and redirects carry random codes, CSRF tokens and attempt ids: their kind is what is compared.
  let body: unknown = text.startsWith('<') ? 'html' : redirect ? 'redirect' : text;
  if (body === text && text !== '') body = JSON.parse(text) as unknown;
  if (body && typeof body === 'object') {
    for (const secret of ['access_token', 'refresh_token']) if (secret in body) (body as Record<string, unknown>)[secret] = 'issued';
  }
  return {
    status: response.status,
    cacheControl: response.headers.get('cache-control'),
    wwwAuthenticate: response.headers.get('www-authenticate'),
    redirectTo: redirect && `${redirect.origin}${redirect.pathname}`,
    redirectParams: redirect && [...redirect.searchParams.keys()].sort(),
    redirectError: redirect?.searchParams.get('error') ?? null,
    body,
  };
}

/** Every endpoint, good and refused; returns what each answer looked like. */
async function battery(bridge: TestBridge): Promise<Record<string, Seen>> {
  const base = bridge.url;
  const out: Record<string, Seen> = {};
  out['page'] = await seen(await fetch(`${base}/alexa/authorize?${authorizeQuery()}`, { redirect: 'manual' }));
  out['page, unknown client'] = await seen(await fetch(`${base}/alexa/authorize?${authorizeQuery({ client_id: 'nobody' })}`, { redirect: 'manual' }));
  out['page, bad scope'] = await seen(await fetch(`${base}/alexa/authorize?${authorizeQuery({ scope: 'admin' })}`, { redirect: 'manual' }));
  out['page, padded challenge'] = await seen(
    await fetch(`${base}/alexa/authorize?${authorizeQuery({ code_challenge: `${'A'.repeat(43)}=`, code_challenge_method: 'S256' })}`, { redirect: 'manual' }),
  );
  const page = await getPage(base, authorizeQuery());
  out['form, wrong password'] = await seen(await submitConsent(base, page, { password: 'wrong' }));
  out['form, no csrf'] = await seen(await postForm(`${base}/alexa/authorize`, new URLSearchParams({ ...page.hidden, decision: 'approve' })));
  out['form, deny'] = await seen(await submitConsent(await Promise.resolve(base), await getPage(base, authorizeQuery()), { decision: 'deny' }));
  const approved = await submitConsent(base, await getPage(base, authorizeQuery()));
  const code = new URL(approved.headers.get('location')!).searchParams.get('code')!;
  out['form, approve'] = await seen(approved);
  const token = (params: Record<string, string>, headers: Record<string, string> = basic()) =>
    postForm(`${base}/alexa/token`, new URLSearchParams(params), headers).then(seen);
  const exchange = { grant_type: 'authorization_code', code, redirect_uri: LAYLA };
  out['token, wrong secret'] = await token(exchange, basic(CLIENT_ID, 'wrong'));
  out['token, Basic with a tab'] = await token(exchange, { authorization: `Basic\t${Buffer.from(`${CLIENT_ID}:x`).toString('base64')}` });
  out['token, wrong redirect_uri'] = await token({ ...exchange, redirect_uri: `${LAYLA}/` });
  out['token, unsupported grant'] = await token({ grant_type: 'password', username: 'a', password: 'b' });
  const issued = await postForm(`${base}/alexa/token`, new URLSearchParams(exchange), basic());
  const tokens = (await readReply(issued.clone())).json as { access_token: string; refresh_token: string };
  out['token, exchange'] = await seen(issued);
  out['token, code again'] = await token(exchange);
  const second = new URL((await submitConsent(base, await getPage(base, authorizeQuery()))).headers.get('location')!).searchParams.get('code')!;
  const linked = (await readReply(await postForm(`${base}/alexa/token`, new URLSearchParams({ ...exchange, code: second }), basic()))).json as { refresh_token: string; access_token: string };
  out['refresh'] = await token({ grant_type: 'refresh_token', refresh_token: linked.refresh_token });
  out['refresh, unknown'] = await token({ grant_type: 'refresh_token', refresh_token: 'never-issued' });
  const verifier = pkcePair();
  const pkceCode = new URL((await submitConsent(base, await getPage(base, authorizeQuery(challengeParams(verifier.challenge))))).headers.get('location')!).searchParams.get('code')!;
  out['token, PKCE mismatch'] = await token({ ...exchange, code: pkceCode, code_verifier: pkcePair().verifier });
  const introspect = (value: string, headers: Record<string, string> = basic()) =>
    postForm(`${base}/alexa/introspect`, new URLSearchParams({ token: value }), headers).then(seen);
  out['introspect, revoked by code reuse'] = await introspect(tokens.access_token);
  out['introspect, active'] = await introspect(linked.access_token);
  out['introspect, wrong secret'] = await introspect(linked.access_token, basic(CLIENT_ID, 'wrong'));
  const revoke = (value: string) => postForm(`${base}/alexa/revoke`, new URLSearchParams({ token: value, grant_type: 'refresh_token' }), basic()).then(seen);
  out['revoke'] = await revoke(linked.access_token);
  out['revoke, unknown'] = await revoke('never-issued');
  out['introspect, revoked'] = await introspect(linked.access_token);
  return out;
}

async function run(t: { after(fn: () => unknown): void }, observe?: () => LinkingObserver): Promise<{ answers: Record<string, Seen>; bridge: TestBridge }> {
  const bridge = await startBridge({ env: NO_ADMIN, ...(observe ? { observe } : {}) });
  t.after(() => bridge.stop());
  await seedAlexa(bridge);
  return { answers: await battery(bridge), bridge };
}

test('an observer that throws everywhere: every endpoint gives the answer it gives with working diagnostics', async (t) => {
  const { answers: expected } = await run(t);
  const { answers, bridge } = await run(t, throwingObserver);
  for (const [name, answer] of Object.entries(expected)) assert.deepEqual(answers[name], answer, name);
  assert.equal(expected['token, wrong secret']!['status'], 401, 'the battery checks real refusals');
  assert.equal(expected['introspect, active']!['status'], 200);
  const failures = bridge.logs.filter((line) => line['msg'] === 'a diagnostic observer failed; the answer is unchanged');
  assert.ok(failures.some((line) => line['observer'] === 'authorizationRequest'));
  assert.ok(failures.some((line) => line['observer'] === 'clientRequestAnswered'));
  assert.ok(bridge.logs.every((line) => line['msg'] !== 'request failed'), 'no request failed');
  await bridge.stop(); // the failing flush is logged, not thrown
});

test('an observer whose traces throw at every step: the page, the form and the code still work', async (t) => {
  const { answers: expected } = await run(t);
  const { answers, bridge } = await run(t, throwingTraces);
  for (const [name, answer] of Object.entries(expected)) assert.deepEqual(answers[name], answer, name);
  const traced = new Set(bridge.logs.filter((line) => line['msg'] === 'a diagnostic observer failed; the answer is unchanged').map((line) => line['observer']));
  for (const step of ['attemptId', 'pageShown', 'refused', 'signInFailed', 'formExpired', 'denied', 'approved', 'codeIssued']) assert.ok(traced.has(step), step);
});
