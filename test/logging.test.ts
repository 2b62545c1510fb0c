import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CLIENT_ID, CLIENT_SECRET, PASSWORD } from './helpers/bridge.ts';
import { authorize, authorizeQuery, basic, getPage, submitConsent } from './helpers/http.ts';
import { exchange, introspect, refresh, seededBridge, tokensOf, type BridgeOptions } from './helpers/oauth.ts';
import { challengeParams, pkcePair } from './helpers/pkce.ts';

const STATE = 'state-that-must-not-be-logged-42';

/** The request lines (those with method, path and status) in the order written. */
function requestLines(logs: Record<string, unknown>[]): Record<string, unknown>[] {
  return logs.filter((line) => 'method' in line && 'path' in line && 'status' in line);
}

async function bridgeAt(t: { after(fn: () => unknown): void }, level: string, options: BridgeOptions = {}) {
  return seededBridge(t, { ...options, env: { BRIDGE_LOG_LEVEL: level, ...options.env } });
}

test('each request is logged once, as JSON with method, path without query, status, ms and reqId', async (t) => {
  const bridge = await bridgeAt(t, 'info');
  const before = requestLines(bridge.logs).length;
  const page = await fetch(`${bridge.url}/alexa/authorize?${authorizeQuery({ state: STATE })}`);
  await page.body?.cancel();
  const metadata = await fetch(`${bridge.url}/.well-known/oauth-authorization-server`);
  await metadata.body?.cancel();
  const lines = requestLines(bridge.logs).slice(before);
  assert.equal(lines.length, 2);
  const [pageLine, metadataLine] = lines as [Record<string, unknown>, Record<string, unknown>];
  assert.equal(pageLine['method'], 'GET');
  assert.equal(pageLine['path'], '/alexa/authorize');
  assert.equal(pageLine['status'], 200);
  assert.equal(typeof pageLine['ms'], 'number');
  assert.equal(pageLine['reqId'], page.headers.get('x-request-id'));
  assert.equal(metadataLine['path'], '/.well-known/oauth-authorization-server');
  assert.notEqual(metadataLine['reqId'], pageLine['reqId']);
  assert.equal(bridge.logText().includes(STATE), false, 'the query string is not logged');
});

for (const [level, expected] of [['info', 0], ['debug', 1]] as const) {
  test(`/health is logged only at debug: BRIDGE_LOG_LEVEL=${level} writes ${expected} line`, async (t) => {
    const bridge = await bridgeAt(t, level);
    await (await fetch(`${bridge.url}/health`)).body?.cancel();
    const healthLines = requestLines(bridge.logs).filter((line) => line['path'] === '/health');
    assert.equal(healthLines.length, expected);
  });
}

test('no password, client secret, code, token, code_verifier, state or Authorization value is ever logged', async (t) => {
  const bridge = await bridgeAt(t, 'trace');
  const wrongPassword = 'wrong-password-that-must-not-be-logged';
  const refused = await submitConsent(bridge.url, await getPage(bridge.url, authorizeQuery({ state: STATE })), { password: wrongPassword });
  assert.equal(refused.status, 400);

  const { verifier, challenge } = pkcePair();
  const code = (await authorize(bridge.url, authorizeQuery({ state: STATE, ...challengeParams(challenge) }))).get('code')!;
  const linked = tokensOf(await exchange(bridge.url, code, { code_verifier: verifier }));
  const postCode = (await authorize(bridge.url)).get('code')!;
  const posted = tokensOf(await exchange(bridge.url, postCode, { client_id: CLIENT_ID, client_secret: CLIENT_SECRET }, {}));
  const refreshed = tokensOf(await refresh(bridge.url, linked.refresh));
  assert.equal((await introspect(bridge.url, refreshed.access)).json['active'], true);
  await exchange(bridge.url, code, { code_verifier: verifier }); // a replay, logged as an error

  const authorization = basic()['authorization']!;
  const secrets: Record<string, string> = {
    password: PASSWORD,
    wrongPassword,
    clientSecret: CLIENT_SECRET,
    code,
    postCode,
    verifier,
    state: STATE,
    authorization,
    authorizationCredentials: authorization.slice('Basic '.length),
    ...Object.fromEntries(Object.entries({ linked, posted, refreshed }).flatMap(([name, pair]) => [[`${name}.access`, pair.access], [`${name}.refresh`, pair.refresh]])),
  };
  const text = bridge.logText();
  assert.ok(requestLines(bridge.logs).length >= 10, 'the requests were logged');
  for (const [name, secret] of Object.entries(secrets)) assert.equal(text.includes(secret), false, `${name} is in the log`);
});
