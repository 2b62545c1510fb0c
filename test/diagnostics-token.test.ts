// Every way the token endpoint can refuse a code or a refresh, and the diagnosis the admin gets:
// the flow record names the cause; error_description adds only what the client itself sent.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { showAttempt } from '../src/diagnostics/attemptViews.ts';
import { diagnoseTokenFailure } from '../src/diagnostics/tokenDiagnoses.ts';
import { OAuthError } from '../src/oauth/errors.ts';
import { newClientRequestFacts } from '../src/oauth/facts.ts';
import { addClient } from '../src/services/clients.ts';
import { revokeGrant } from '../src/services/grants.ts';
import { CLIENT_ID, CLIENT_SECRET, LAYLA } from './helpers/bridge.ts';
import { basic, postForm } from './helpers/http.ts';
import { latestDiagnosis, latestFlow, NO_ADMIN } from './helpers/diagnostics.ts';
import {
  addOtherClient,
  addPublicClient,
  exchange,
  introspect,
  newCode,
  OTHER_CLIENT_SECRET,
  PUBLIC_CLIENT_ID,
  PUBLIC_REDIRECT,
  readReply,
  refresh,
  seededBridge,
  sharedBridge,
  tokensOf,
} from './helpers/oauth.ts';
import { challengeParams, pkcePair } from './helpers/pkce.ts';

const PLUS_SECRET = 'plus+secret+0123456789';

const bridge = sharedBridge({ env: NO_ADMIN }, async (started) => {
  await addOtherClient(started);
  await addPublicClient(started);
  await addClient(started.daemon.context, { id: 'plus-client', secret: PLUS_SECRET, redirectUris: [LAYLA], scopes: ['alexa'] });
});

test('redirect_uri at the token endpoint differs from the authorize one: cause in the flow, the difference in error_description', async () => {
  const reply = await exchange(bridge().url, await newCode(bridge().url), { redirect_uri: `${LAYLA}/` });
  assert.equal(reply.status, 400);
  assert.equal(reply.json['error_description'], 'redirect_uri does not match the one used in the authorization request: it has a trailing slash the authorization request’s has not');
  const { reason, cause } = latestDiagnosis(bridge());
  assert.equal(reason, 'redirect_uri_mismatch');
  assert.ok(cause.includes(`differs from the authorization request's ${LAYLA}`), cause);
});

test('a PKCE verifier sent as its own challenge: the diagnosis says plain instead of S256', async () => {
  const { verifier } = pkcePair();
  const code = await newCode(bridge().url, challengeParams(verifier));
  const reply = await exchange(bridge().url, code, { code_verifier: verifier });
  assert.equal(reply.status, 400);
  assert.match(String(reply.json['error_description']), /sent the verifier itself as the challenge \(method plain/);
  assert.match(latestDiagnosis(bridge()).cause, /does not match the code_challenge: the client sent the verifier itself as the challenge/);
});

test('a PKCE verifier of another attempt: the diagnosis says the client mixed up two attempts', async () => {
  const first = pkcePair();
  const second = pkcePair();
  const code = await newCode(bridge().url, challengeParams(first.challenge));
  const firstFlow = latestFlow(bridge()).flow_id;
  await newCode(bridge().url, challengeParams(second.challenge));
  const otherFlow = latestFlow(bridge()).flow_id;
  await exchange(bridge().url, code, { code_verifier: second.verifier });
  const flow = showAttempt(bridge().daemon.context, { id: firstFlow });
  assert.ok(flow.cause?.includes(`belongs to another authorization attempt (flow ${otherFlow})`), flow.cause ?? 'no diagnosis');
});

test('a PKCE verifier in standard base64: the diagnosis names the encoding', async () => {
  const code = await newCode(bridge().url, challengeParams(pkcePair().challenge));
  await exchange(bridge().url, code, { code_verifier: `${'a+b/'.repeat(11)}=` });
  assert.match(latestDiagnosis(bridge()).cause, /looks like standard base64/);
});

test('an expired code: by how much, and the usual reason', async () => {
  const code = await newCode(bridge().url);
  bridge().clock.advance(400);
  const reply = await exchange(bridge().url, code);
  assert.equal(reply.json['error_description'], 'the authorization code has expired: expired 100 s ago');
  const { reason, cause } = latestDiagnosis(bridge());
  assert.equal(reason, 'code_expired');
  assert.match(cause, /expired 100 s before the token request came \(lifetime 5 min/);
  assert.match(cause, /held up/);
});

test('a code that expired while the client’s clock says it is young: the diagnosis suggests clock skew', async () => {
  const code = await newCode(bridge().url);
  const issuedAt = bridge().clock.now;
  bridge().clock.advance(400);
  const body = new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: LAYLA });
  await postForm(`${bridge().url}/alexa/token`, body, { ...basic(), date: new Date(issuedAt + 20_000).toUTCString() });
  const { cause, fix } = latestDiagnosis(bridge());
  assert.match(cause, /the clocks differ by 6 min 20 s, and by the client’s clock the code was still young: clock skew/);
  assert.match(fix, /NTP/);
});

test('a code that expired although the steady clock says it is young: the diagnosis names a clock jump', () => {
  const context = bridge().daemon.context;
  const now = context.clock();
  const code = { hash: 'h', clientId: CLIENT_ID, redirectUri: LAYLA, username: 'alice', scope: 'alexa', issuedAt: now - 3_600_000, expiresAt: now - 3_300_000 };
  const facts = { ...newClientRequestFacts('token'), grantType: 'authorization_code', code } as const;
  const diagnosis = diagnoseTokenFailure(context, new OAuthError('invalid_grant', 'the authorization code has expired', { reason: 'code_expired' }), facts, 15_000);
  assert.match(diagnosis.cause, /only 15 s passed since the code was issued: the system clock jumped 59 min 45 s forward/);
});

test('a code used twice: the diagnosis says so and that the first tokens were revoked', async () => {
  const code = await newCode(bridge().url);
  const tokens = tokensOf(await exchange(bridge().url, code));
  await exchange(bridge().url, code);
  const { reason, cause } = latestDiagnosis(bridge());
  assert.equal(reason, 'code_reused');
  assert.match(cause, /The code was used twice/);
  assert.match(cause, /whose tokens were revoked/);
  assert.equal((await introspect(bridge().url, tokens.access)).json['active'], false);
});

test('client_id differs between authorize and token: the diagnosis names both', async () => {
  const code = await newCode(bridge().url);
  await exchange(bridge().url, code, {}, basic('other-skill', OTHER_CLIENT_SECRET));
  const { reason, cause } = latestDiagnosis(bridge());
  assert.equal(reason, 'code_client_mismatch');
  assert.match(cause, /client_id differs between the two steps: the authorization request was made by client alexa-skill, the token request by other-skill/);
});

test('an unregistered client_id at the token endpoint for a real code: the diagnosis names the authorize one', async () => {
  const code = await newCode(bridge().url);
  const reply = await exchange(bridge().url, code, {}, basic('alexa-skil', CLIENT_SECRET));
  assert.equal(reply.json['error_description'], 'client authentication failed', 'nothing more for an unauthenticated caller');
  assert.match(latestDiagnosis(bridge()).cause, /the token request names alexa-skil, which is not registered/);
});

test('a wrong client secret: the flow says wrong secret, the client hears nothing more', async () => {
  const code = await newCode(bridge().url);
  const reply = await exchange(bridge().url, code, {}, basic(CLIENT_ID, 'not-the-secret-at-all'));
  assert.equal(reply.status, 401);
  assert.equal(reply.json['error_description'], 'client authentication failed');
  const { reason, cause, flow } = latestDiagnosis(bridge());
  assert.equal(reason, 'wrong_client_secret');
  assert.match(cause, /Client alexa-skill sent a wrong secret in HTTP Basic\./);
  assert.equal(flow.stopped_at, 'token');
});

test('the right secret with a line break pasted after it: the diagnosis says so', async () => {
  await exchange(bridge().url, await newCode(bridge().url), { client_id: CLIENT_ID, client_secret: `${CLIENT_SECRET}\n` }, {});
  assert.match(latestDiagnosis(bridge()).cause, /form body \(client_secret_post\): the secret is right, but it has spaces or a line break around it/);
});

test('a secret with + sent in the body without percent-encoding: the diagnosis names the §2.3.1 encoding', async () => {
  const code = await newCode(bridge().url, { client_id: 'plus-client' });
  const body = `grant_type=authorization_code&code=${code}&redirect_uri=${encodeURIComponent(LAYLA)}&client_id=plus-client&client_secret=${PLUS_SECRET}`;
  const reply = await readReply(await postForm(`${bridge().url}/alexa/token`, body));
  assert.equal(reply.status, 401);
  assert.match(latestDiagnosis(bridge()).cause, /a \+ in it arrived as a space: the client put it in the form body without percent-encoding it/);
});

test("another client's secret: the diagnosis names that client", async () => {
  await exchange(bridge().url, await newCode(bridge().url), {}, basic(CLIENT_ID, OTHER_CLIENT_SECRET));
  assert.match(latestDiagnosis(bridge()).cause, /it is the secret of another client, other-skill/);
});

test('HTTP Basic credentials that are not base64: the diagnosis names the scheme mistake', async () => {
  await exchange(bridge().url, await newCode(bridge().url), {}, { authorization: `Basic ${CLIENT_ID}:${CLIENT_SECRET}` });
  const { reason, cause } = latestDiagnosis(bridge());
  assert.equal(reason, 'client_auth_malformed');
  assert.match(cause, /the id:secret pair is not base64-encoded/);
});

test('the secret sent both in HTTP Basic and in the body: the diagnosis says to choose one scheme', async () => {
  await exchange(bridge().url, await newCode(bridge().url), { client_secret: CLIENT_SECRET });
  const { cause, fix } = latestDiagnosis(bridge());
  assert.match(cause, /sends the client secret twice/);
  assert.match(fix, /one Client Authentication Scheme/);
});

test('no secret at all for a confidential client: the diagnosis suspects a proxy dropping Authorization', async () => {
  await exchange(bridge().url, await newCode(bridge().url), { client_id: CLIENT_ID }, {});
  const { reason, fix } = latestDiagnosis(bridge());
  assert.equal(reason, 'client_secret_missing');
  assert.match(fix, /reverse proxy is probably dropping the Authorization header/);
});

test('a public client that sends a secret: the diagnosis says it is registered public', async () => {
  const { verifier, challenge } = pkcePair();
  const code = await newCode(bridge().url, { client_id: PUBLIC_CLIENT_ID, redirect_uri: PUBLIC_REDIRECT, ...challengeParams(challenge) });
  await exchange(bridge().url, code, { redirect_uri: PUBLIC_REDIRECT, code_verifier: verifier, client_id: PUBLIC_CLIENT_ID, client_secret: 'a-secret-it-does-not-have' }, {});
  assert.match(latestDiagnosis(bridge()).cause, /client phone-app is registered as public \(no secret\), yet a secret was sent/);
});

test('an unknown client with no code of ours: a flow of its own; repeats join it', async () => {
  const before = latestFlow(bridge()).flow_id;
  for (let i = 0; i < 3; i++) await exchange(bridge().url, 'no-such-code', {}, basic('stranger', 'whatever-secret'));
  const flow = latestFlow(bridge());
  assert.notEqual(flow.flow_id, before);
  assert.equal(flow.steps.length, 3, 'the three refusals are one flow');
  assert.match(flow.cause!, /names client_id “stranger”, which is not registered here/);
});

test('a refreshed token used again after its successor: the diagnosis says reuse, and that the link was revoked', async () => {
  const tokens = tokensOf(await exchange(bridge().url, await newCode(bridge().url)));
  tokensOf(await refresh(bridge().url, tokensOf(await refresh(bridge().url, tokens.refresh)).refresh));
  await refresh(bridge().url, tokens.refresh);
  const { reason, cause, flow } = latestDiagnosis(bridge());
  assert.equal(reason, 'refresh_token_reused');
  assert.match(cause, /was presented again at .*, after its successor #1 had been used/);
  assert.match(cause, /the whole linked account was revoked/);
  assert.ok(flow.steps.some((step) => step.step === 'refreshed'), 'the first refresh is a step of the same flow');
  assert.equal(flow.stopped_at, 'use');
});

test('a refresh of a link the admin revoked: the diagnosis says by what', async () => {
  const tokens = tokensOf(await exchange(bridge().url, await newCode(bridge().url)));
  const grantId = latestFlow(bridge()).grant_id!;
  await revokeGrant(bridge().daemon.context, grantId, 'revoked by the administrator');
  await refresh(bridge().url, tokens.refresh);
  const { reason, cause } = latestDiagnosis(bridge());
  assert.equal(reason, 'refresh_token_revoked');
  assert.match(cause, /The linked account was revoked 0 s earlier \(.*\): revoked by the administrator\./);
});

test('an expired refresh token: the diagnosis says idle since when, and the setting', async (t) => {
  const own = await seededBridge(t, { env: { ...NO_ADMIN, BRIDGE_REFRESH_TOKEN_TTL: '3600' } });
  const tokens = tokensOf(await exchange(own.url, await newCode(own.url)));
  own.clock.advance(3700);
  await refresh(own.url, tokens.refresh);
  const { reason, cause } = latestDiagnosis(own);
  assert.equal(reason, 'refresh_token_expired');
  assert.match(cause, /idle since .* longer than refresh_token_ttl \(60 min\)/);
});

test('an unknown refresh token: the diagnosis lists what it may be', async () => {
  await refresh(bridge().url, 'never-issued-refresh-token');
  assert.match(latestDiagnosis(bridge()).cause, /The refresh token is not known here/);
});

test('tokens issued, first refresh and first introspection are steps of the link’s flow', async () => {
  const tokens = tokensOf(await exchange(bridge().url, await newCode(bridge().url)));
  const flowId = latestFlow(bridge()).flow_id;
  await introspect(bridge().url, tokens.access);
  await introspect(bridge().url, tokens.access);
  tokensOf(await refresh(bridge().url, tokens.refresh));
  const flow = latestFlow(bridge());
  assert.equal(flow.flow_id, flowId);
  assert.deepEqual(flow.steps.map((step) => step.step).slice(-3), ['tokens-issued', 'introspected', 'refreshed']);
  assert.equal(flow.status, 'linked');
  assert.ok(flow.grant_id);
});
