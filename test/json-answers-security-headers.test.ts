// JSON answers carry the security headers a JSON answer needs, and the pages keep helmet's whole
// set. helmet ran on every answer before, so each token request set a page's headers (COOP,
// Origin-Agent-Cluster, X-XSS-Protection…) that steer documents and their links, not JSON.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { authorize, authorizeQuery, getPage } from './helpers/http.ts';
import { exchange, introspect, revoke, seededBridge, tokensOf } from './helpers/oauth.ts';

const API = {
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'cross-origin-resource-policy': 'same-origin',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
};
const PAGE_ONLY = ['cross-origin-opener-policy', 'origin-agent-cluster', 'referrer-policy', 'x-dns-prefetch-control', 'x-download-options', 'x-permitted-cross-domain-policies', 'x-xss-protection'];

function assertApiHeaders(what: string, headers: Headers, json = true): void {
  for (const [name, value] of Object.entries(API)) assert.equal(headers.get(name), value, `${what}: ${name}`);
  for (const name of PAGE_ONLY) assert.equal(headers.get(name), null, `${what}: ${name}`);
  if (json) assert.equal(headers.get('content-type'), 'application/json; charset=utf-8', `${what}: content-type`);
}

test('token, introspection, revocation, metadata, health, 404 and 405 answer with the JSON headers; token answers are not cached', async (t) => {
  const bridge = await seededBridge(t);
  const exchanged = await exchange(bridge.url, (await authorize(bridge.url)).get('code')!);
  assert.equal(exchanged.status, 200);
  assertApiHeaders('token', exchanged.headers);
  assert.equal(exchanged.headers.get('cache-control'), 'no-store');
  assert.equal(exchanged.headers.get('pragma'), 'no-cache');
  const { access, refresh } = tokensOf(exchanged);

  const refused = await exchange(bridge.url, 'no-such-code');
  assert.equal(refused.status, 400);
  assertApiHeaders('token error', refused.headers);
  assert.equal(refused.headers.get('cache-control'), 'no-store');

  const inspected = await introspect(bridge.url, access);
  assert.equal(inspected.status, 200);
  assertApiHeaders('introspection', inspected.headers);
  assert.equal(inspected.headers.get('cache-control'), 'no-store');
  assert.equal(inspected.headers.get('pragma'), 'no-cache');

  const revoked = await revoke(bridge.url, refresh);
  assert.equal(revoked.status, 200);
  // RFC 7009 §2.2: the body of a 200 is not read; the bridge sends none.
  assertApiHeaders('revocation', revoked.headers, false);
  assert.deepEqual(revoked.json, {});

  for (const [path, method, status] of [
    ['/.well-known/oauth-authorization-server', 'GET', 200],
    ['/health', 'GET', 200],
    ['/nothing-here', 'GET', 404],
    ['/alexa/token', 'GET', 405],
  ] as const) {
    const reply = await fetch(`${bridge.url}${path}`, { method });
    await reply.body?.cancel();
    assert.equal(reply.status, status, path);
    assertApiHeaders(`${method} ${path}`, reply.headers);
  }
});

test('the consent page and its error page keep helmet’s page headers under their own CSP', async (t) => {
  const bridge = await seededBridge(t);
  const page = await getPage(bridge.url, authorizeQuery());
  assert.equal(page.status, 200);
  const invalid = await fetch(`${bridge.url}/alexa/authorize?${authorizeQuery({ client_id: 'unknown' })}`);
  await invalid.body?.cancel();
  assert.equal(invalid.status, 400);
  for (const [what, headers] of [['page', page.headers], ['error page', invalid.headers]] as const) {
    assert.equal(headers.get('x-frame-options'), 'DENY', what);
    assert.equal(headers.get('x-content-type-options'), 'nosniff', what);
    assert.equal(headers.get('referrer-policy'), 'no-referrer', what);
    assert.equal(headers.get('cross-origin-opener-policy'), 'same-origin', what);
    assert.equal(headers.get('x-xss-protection'), '0', what);
    assert.equal(headers.get('cache-control'), 'no-store', what);
    assert.match(headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/, what);
    assert.match(headers.get('content-type') ?? '', /^text\/html/, what);
  }
});
