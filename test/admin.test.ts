// The admin listener (Home Assistant ingress): who it lets in, links under X-Ingress-Path, CSRF
// on every state change, and what its pages show and do.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { admitIngressAndLoopback, INGRESS_PROXY, type AdminAccessState } from '../src/admin/access.ts';
import { AdminCsrf } from '../src/admin/csrf.ts';
import { ConfigError, loadConfig } from '../src/config/load.ts';
import { CLIENT_ID, CLIENT_SECRET, LAYLA, type TestBridge } from './helpers/bridge.ts';
import { authorizeQuery, basic, getPage } from './helpers/http.ts';
import { exchange, isActive, newCode, seededBridge, tokensOf } from './helpers/oauth.ts';
import { adminSessionCookie } from './helpers/admin.ts';

const ADMIN = { BRIDGE_ADMIN_PORT: '0' } as const;

function adminUrl(bridge: TestBridge, path = '/'): string {
  return `http://127.0.0.1:${bridge.daemon.adminPort}${path}`;
}

const sessions = new WeakMap<TestBridge, string>();

/** The bridge's admin session cookie, signed in once per bridge. */
async function session(bridge: TestBridge): Promise<Record<string, string>> {
  if (!sessions.has(bridge)) sessions.set(bridge, await adminSessionCookie(bridge.dataDir));
  return { cookie: sessions.get(bridge)! };
}

async function page(bridge: TestBridge, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; html: string }> {
  const response = await fetch(adminUrl(bridge, path), { headers: { ...(await session(bridge)), ...headers }, redirect: 'manual' });
  return { status: response.status, headers: response.headers, html: await response.text() };
}

function csrfTokenOf(html: string): string {
  const token = /name="csrf_token" value="([^"]+)"/.exec(html)?.[1];
  assert.ok(token, 'the page has a form with a CSRF token');
  return token;
}

async function post(bridge: TestBridge, path: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
  const response = await fetch(adminUrl(bridge, path), {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(await session(bridge)), ...headers },
    body: new URLSearchParams(fields).toString(),
  });
  return { status: response.status, headers: response.headers, html: await response.text() };
}

/** Runs the access gate on a request from `remoteAddress` with `headers`; the state it left, or the refusal. */
async function gate(remoteAddress: string, headers: Record<string, string> = {}) {
  const ctx = {
    req: { socket: { remoteAddress } },
    state: {} as AdminAccessState,
    get: (name: string) => headers[name.toLowerCase()] ?? '',
    status: 404,
    type: '',
    body: undefined as unknown,
  };
  let passed = false;
  await admitIngressAndLoopback(ctx as never, async () => {
    passed = true;
  });
  return { passed, status: ctx.status, state: ctx.state };
}

test('only the ingress proxy and loopback get in, judged by the socket address, not by headers', async () => {
  assert.equal((await gate('10.0.0.7')).status, 403);
  assert.equal((await gate('192.168.1.20', { 'x-forwarded-for': '127.0.0.1' })).passed, false);
  assert.equal((await gate('172.30.32.3')).passed, false);
  assert.equal((await gate(INGRESS_PROXY)).passed, true);
  assert.equal((await gate(`::ffff:${INGRESS_PROXY}`)).passed, true);
  assert.equal((await gate('127.0.0.1')).passed, true);
  assert.equal((await gate('::1')).passed, true);
});

test('X-Remote-User-Name is believed from the ingress proxy only; X-Ingress-Path only when it is a plain path', async () => {
  const fromIngress = await gate(INGRESS_PROXY, { 'x-remote-user-name': 'dana', 'x-ingress-path': '/api/hassio_ingress/AbC123' });
  assert.deepEqual(fromIngress.state, { user: 'dana', base: '/api/hassio_ingress/AbC123', fromIngress: true, session: undefined });
  const fromLoopback = await gate('127.0.0.1', { 'x-remote-user-name': 'mallory' });
  assert.equal(fromLoopback.state.user, undefined);
  for (const bad of ['/api/hassio_ingress/../../evil', '/x"onmouseover="1', 'https://evil.example', '//evil.example']) {
    assert.equal((await gate(INGRESS_PROXY, { 'x-ingress-path': bad })).state.base, '', bad);
  }
});

test('a real request from another address of this machine is refused', async (t) => {
  const { networkInterfaces } = await import('node:os');
  const own = Object.values(networkInterfaces()).flat().find((address) => address && address.family === 'IPv4' && !address.internal);
  if (!own) return t.skip('no non-loopback IPv4 address here');
  const bridge = await seededBridge(t, { env: { ...ADMIN, BRIDGE_ADMIN_HOST: '0.0.0.0' } });
  const response = await fetch(`http://${own.address}:${bridge.daemon.adminPort}/`);
  assert.equal(response.status, 403);
  assert.doesNotMatch(await response.text(), /Alexa OAuth Bridge|csrf/);
});

test('links and forms are built under X-Ingress-Path', async (t) => {
  const bridge = await seededBridge(t, { env: ADMIN });
  tokensOf(await exchange(bridge.url, await newCode(bridge.url)));
  const { html } = await page(bridge, '/accounts', { 'x-ingress-path': '/api/hassio_ingress/T0ken' });
  assert.match(html, /<a href="\/api\/hassio_ingress\/T0ken\/flows">Recent flows<\/a>/);
  assert.match(html, /<form method="post" action="\/api\/hassio_ingress\/T0ken\/accounts\/[^"]+\/revoke">/);
});

test('pages may be framed by Home Assistant only, are never cached, and style only by hash', async (t) => {
  const bridge = await seededBridge(t, { env: ADMIN });
  const { headers } = await page(bridge, '/flows');
  assert.equal(headers.get('x-frame-options'), 'SAMEORIGIN');
  assert.match(headers.get('content-security-policy')!, /frame-ancestors 'self'/);
  assert.match(headers.get('content-security-policy')!, /style-src 'sha256-[^']+'/);
  assert.equal(headers.get('cache-control'), 'no-store');
});

test('the admin page is never served on the public port, and admin_port may not be the public port', async (t) => {
  const bridge = await seededBridge(t, { env: ADMIN });
  const response = await fetch(`${bridge.url}/flows`);
  assert.equal(response.status, 404);
  assert.match(response.headers.get('content-type')!, /json/);
  assert.throws(
    () => loadConfig({ env: { BRIDGE_PORT: '8100', BRIDGE_ADMIN_PORT: '8100' } }),
    (error: unknown) => error instanceof ConfigError && /^BRIDGE_ADMIN_PORT="8100": must differ from port \(8100\)/.test(error.message),
  );
});

test('admin_port off serves no admin page; a taken port is logged, and linking still works', async (t) => {
  const off = await seededBridge(t, { env: { BRIDGE_ADMIN_PORT: 'off' } });
  assert.equal(off.daemon.adminPort, undefined);
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  t.after(() => taken.close());
  const port = (taken.address() as AddressInfo).port;
  const bridge = await seededBridge(t, { env: { BRIDGE_ADMIN_PORT: String(port) } });
  assert.equal(bridge.daemon.adminPort, undefined);
  assert.ok(bridge.logs.some((line) => line['level'] === 40 && /no admin page: cannot listen on 127\.0\.0\.1:\d+ \(EADDRINUSE\)/.test(String(line['msg']))));
  tokensOf(await exchange(bridge.url, await newCode(bridge.url)));
});

test('the overview shows version, health, public URL, issuer and the doctor’s checks', async (t) => {
  const bridge = await seededBridge(t, { env: ADMIN });
  const { status, html } = await page(bridge, '/');
  assert.equal(status, 200);
  for (const shown of ['<dt>Version</dt><dd>0.1.0</dd>', '<dt>Public URL</dt><dd>https://bridge.example.test</dd>', '<dt>Issuer</dt>', '<dt>Health</dt><dd>ok, up', 'Public URL reaches this daemon', 'TLS certificate', 'Client alexa-skill']) {
    assert.ok(html.includes(shown), shown);
  }
});

test('revoking a linked account needs the page’s form token; with it the link ends at once', async (t) => {
  const bridge = await seededBridge(t, { env: ADMIN });
  const tokens = tokensOf(await exchange(bridge.url, await newCode(bridge.url)));
  const grantId = [...bridge.daemon.context.store.grants.values()][0]!.id;
  const accounts = await page(bridge, '/accounts');
  assert.match(accounts.html, /<details><summary>Revoke…<\/summary>/, 'revoking asks first');

  assert.equal((await post(bridge, `/accounts/${grantId}/revoke`, {})).status, 403);
  assert.equal((await post(bridge, `/accounts/${grantId}/revoke`, { csrf_token: 'x.y' })).status, 403);
  const token = csrfTokenOf(accounts.html);
  assert.equal((await post(bridge, `/accounts/${grantId}/revoke`, { csrf_token: token }, { 'sec-fetch-site': 'cross-site' })).status, 403);
  assert.equal(await isActive(bridge.url, tokens.access), true, 'nothing was revoked by the refused posts');

  const done = await post(bridge, `/accounts/${grantId}/revoke`, { csrf_token: token });
  assert.equal(done.status, 303);
  assert.equal(done.headers.get('location'), `/accounts?revoked=${grantId}`);
  assert.equal(await isActive(bridge.url, tokens.access), false);
  const after = await page(bridge, `/accounts?revoked=${grantId}`);
  assert.match(after.html, /<span class="chip revoked">revoked<\/span><div class="muted small">revoked by the administrator on the admin page<\/div>/);
});

test('a form token expires after 12 hours and is bound to the viewer', () => {
  let now = 0;
  const csrf = new AdminCsrf(() => now);
  const token = csrf.issue('dana');
  assert.equal(csrf.isValid('dana', token), true);
  assert.equal(csrf.isValid('erin', token), false);
  assert.equal(csrf.isValid(undefined, token), false);
  now = 12 * 3600_000 + 1;
  assert.equal(csrf.isValid('dana', token), false);
});

test('rotating a secret shows the new one once; the old one keeps working until the overlap is ended', async (t) => {
  const bridge = await seededBridge(t, { env: ADMIN });
  const clients = await page(bridge, '/clients');
  assert.match(clients.html, /<code>https:\/\/layla\.amazon\.com\/api\/skill\/link\/M2TESTVENDOR42<\/code> <span class="muted small">Europe and India<\/span>/);
  const posted = await post(bridge, `/clients/${CLIENT_ID}/rotate-secret`, { csrf_token: csrfTokenOf(clients.html) });
  assert.equal(posted.status, 303);
  const rotated = await page(bridge, posted.headers.get('location')!);
  assert.equal(rotated.status, 200);
  assert.equal(rotated.headers.get('cache-control'), 'no-store');
  const secret = /<code class="secret">([^<]+)<\/code>/.exec(rotated.html)?.[1];
  assert.ok(secret);
  assert.equal((await exchange(bridge.url, await newCode(bridge.url), {}, basic(CLIENT_ID, CLIENT_SECRET))).status, 200);
  assert.equal((await exchange(bridge.url, await newCode(bridge.url), {}, basic(CLIENT_ID, secret))).status, 200);
  const after = await page(bridge, '/clients');
  assert.doesNotMatch(after.html, new RegExp(secret.replace(/[-_]/g, '.')));
  assert.match(after.html, /The old secret still works until <time datetime="2026-11-23T12:00:00.000Z"><span>2026-11-23<\/span> <span>12:00:00 UTC<\/span><\/time>\./);
  const ended = await post(bridge, `/clients/${CLIENT_ID}/end-overlap`, { csrf_token: csrfTokenOf(after.html) });
  assert.equal(ended.status, 303);
  assert.equal(ended.headers.get('location'), '/clients');
  assert.doesNotMatch((await page(bridge, '/clients')).html, /The old secret still works/);
  assert.equal((await exchange(bridge.url, await newCode(bridge.url), {}, basic(CLIENT_ID, CLIENT_SECRET))).status, 401);
});

test('the flows page draws a failed attempt’s timeline, and a reference from an error page leads to its flow', async (t) => {
  const bridge = await seededBridge(t, { env: ADMIN });
  const error = await getPage(bridge.url, authorizeQuery({ redirect_uri: `${LAYLA}/` }));
  const reference = /<code>([^<]+)<\/code>/.exec(error.html)![1]!;
  const { html } = await page(bridge, '/flows');
  assert.match(html, /<li class="failed" title="Request: failed here">/);
  assert.match(html, /<li class="todo" title="Token exchange: not reached">/);
  assert.match(html, /<strong>Cause:<\/strong> Client alexa-skill asked to return to .*\/, which is not registered/);
  const lookup = await page(bridge, `/flows?ref=${reference}`);
  assert.equal(lookup.status, 303);
  assert.equal(lookup.headers.get('location'), `/flows/${reference}`);
  const detail = await page(bridge, `/flows/${reference}`);
  assert.match(detail.html, /authorization request refused/);
  assert.match((await page(bridge, '/flows?ref=nope')).html, /No flow nope is kept/);
});
