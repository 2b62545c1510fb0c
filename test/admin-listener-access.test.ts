// Regression for issue 11 item 4: the admin listener had no sign-in on loopback and never checked
// `Host` (a local user rotated the secret; a DNS-rebinding-shaped request revoked a link), junk
// requests got 500/501, and "Rotate secret" re-posted on reload and silently minted a second secret.
import assert from 'node:assert/strict';
import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { createAdminApp } from '../src/admin/adminApp.ts';
import { INGRESS_PROXY } from '../src/admin/access.ts';
import { sendToDaemon } from '../src/control/socket.ts';
import { AdminSessions } from '../src/admin/sessions.ts';
import { CLIENT_ID, CLIENT_SECRET, type TestBridge } from './helpers/bridge.ts';
import { adminSessionCookie } from './helpers/admin.ts';
import { launchChromium, screenshot } from './helpers/browser.ts';
import { cliJson, runCli } from './helpers/cli.ts';
import { basic } from './helpers/http.ts';
import { exchange, isActive, newCode, seededBridge, tokensOf } from './helpers/oauth.ts';
import { seededRandom } from './helpers/random.ts';

const ADMIN = { BRIDGE_ADMIN_PORT: '0' } as const;

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One request with exactly these headers (fetch would not let `Host` be set). */
function send(port: number, method: string, path: string, headers: Record<string, string> = {}, body?: string | Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers: { host: `127.0.0.1:${port}`, ...headers }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(20_000, () => req.destroy(new Error('no answer')));
    req.end(body);
  });
}

function csrfTokenOf(html: string): string {
  const token = /name="csrf_token" value="([^"]+)"/.exec(html)?.[1];
  assert.ok(token, 'the page has a form with a CSRF token');
  return token;
}

async function adminBridge(t: { after(fn: () => unknown): void }): Promise<{ bridge: TestBridge; port: number; cookie: string }> {
  const bridge = await seededBridge(t, { env: ADMIN });
  return { bridge, port: bridge.daemon.adminPort!, cookie: await adminSessionCookie(bridge.dataDir) };
}

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const FORM = 'application/x-www-form-urlencoded';

test('a Host that is not this machine’s own name gets 421, session or not (DNS rebinding)', async (t) => {
  const { port, cookie } = await adminBridge(t);
  for (const host of ['evil.example', `evil.example:${port}`, `127.0.0.1:${port + 1}`, `localhost.evil.example:${port}`, `[::2]:${port}`, `127.0.0.1:${port}@evil.example`]) {
    const answer = await send(port, 'GET', '/', { host, cookie });
    assert.equal(answer.status, 421, `Host ${JSON.stringify(host)}`);
    assert.doesNotMatch(answer.body, /csrf|Alexa OAuth Bridge/);
  }
  for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`]) {
    assert.equal((await send(port, 'GET', '/', { host, cookie })).status, 200, host);
  }
});

test('outside ingress nothing is served without a session: 401 with how to sign in, for reads and posts alike', async (t) => {
  const { bridge, port } = await adminBridge(t);
  tokensOf(await exchange(bridge.url, await newCode(bridge.url)));
  const grantId = [...bridge.daemon.context.store.grants.values()][0]!.id;
  for (const path of ['/', '/accounts', '/clients', '/flows', '/nope']) {
    const answer = await send(port, 'GET', path);
    assert.equal(answer.status, 401, path);
    assert.match(answer.body, /admin-link/);
    assert.doesNotMatch(answer.body, /csrf_token|alexa-skill/);
  }
  assert.equal((await send(port, 'POST', `/clients/${CLIENT_ID}/rotate-secret`, { 'content-type': FORM }, 'csrf_token=x')).status, 401);
  assert.equal((await send(port, 'POST', `/accounts/${grantId}/revoke`, { 'content-type': FORM, cookie: 'admin_session=guessed' }, '')).status, 401);
  assert.equal((await exchange(bridge.url, await newCode(bridge.url), {}, basic(CLIENT_ID, CLIENT_SECRET))).status, 200, 'the secret is unchanged');
});

test('admin-link (the CLI, over the control socket) prints a one-time link; it sets a strict, HttpOnly, expiring session cookie', async (t) => {
  const { bridge, port } = await adminBridge(t);
  const link = await cliJson<{ url: string; expires_at: string }>(['admin-link', '--json'], { dataDir: bridge.dataDir });
  assert.match(link.url, new RegExp(`^http://127\\.0\\.0\\.1:${port}/signin\\?token=[A-Za-z0-9_-]{43}$`));
  assert.equal(link.expires_at, new Date(bridge.clock.now + 10 * 60_000).toISOString());
  const human = await runCli(['admin-link'], { dataDir: bridge.dataDir });
  assert.equal(human.code, 0);
  assert.match(human.stdout, /works once/);

  const path = new URL(link.url).pathname + new URL(link.url).search;
  const first = await send(port, 'GET', path);
  assert.equal(first.status, 303);
  assert.equal(first.headers.location, '/');
  const setCookie = first.headers['set-cookie']![0]!;
  assert.match(setCookie, /^admin_session=[A-Za-z0-9_-]{43}; path=\/; expires=[^;]+; samesite=strict; httponly$/);
  // Counted on the browser's (real) clock, whatever the daemon's says; 12 hours, within a minute.
  assert.ok(Math.abs(new Date(/expires=([^;]+)/.exec(setCookie)![1]!).getTime() - (Date.now() + 12 * 3600_000)) < 60_000);
  const cookie = setCookie.split(';')[0]!;
  assert.equal((await send(port, 'GET', '/', { cookie })).status, 200);

  // Once only.
  const again = await send(port, 'GET', path);
  assert.equal(again.status, 401);
  assert.match(again.body, /used already, or it is older than 10 minutes/);
  // A link unused for more than 10 minutes is dead.
  const late = await cliJson<{ url: string }>(['admin-link', '--json'], { dataDir: bridge.dataDir });
  bridge.clock.advance(10 * 60 + 1);
  assert.equal((await send(port, 'GET', new URL(late.url).pathname + new URL(late.url).search)).status, 401);
  // The session ends after 12 hours.
  bridge.clock.advance(12 * 3600);
  assert.equal((await send(port, 'GET', '/', { cookie })).status, 401);
});

test('admin-link with no daemon running, or with the admin page off, fails with one line', async (t) => {
  const off = await seededBridge(t, { env: { BRIDGE_ADMIN_PORT: 'off' } });
  const result = await runCli(['admin-link'], { dataDir: off.dataDir });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /^alexa-oauth-bridge: the admin page is not serving \(admin_port is off/);
  await off.stop();
  const stopped = await runCli(['admin-link'], { dataDir: off.dataDir });
  assert.equal(stopped.code, 1);
  assert.match(stopped.stderr, /^alexa-oauth-bridge: no daemon is running on .*: start it with serve/);
});

test('a post needs the page’s token once, a same-origin Origin and Sec-Fetch-Site: cross-site, foreign or replayed posts are 403', async (t) => {
  const { bridge, port, cookie } = await adminBridge(t);
  const tokens = tokensOf(await exchange(bridge.url, await newCode(bridge.url)));
  const grantId = [...bridge.daemon.context.store.grants.values()][0]!.id;
  const token = () => send(port, 'GET', '/accounts', { cookie }).then((answer) => csrfTokenOf(answer.body));
  const revoke = async (headers: Record<string, string>, csrf?: string) =>
    send(port, 'POST', `/accounts/${grantId}/revoke`, { 'content-type': FORM, cookie, ...headers }, form({ csrf_token: csrf ?? (await token()) }));

  assert.equal((await revoke({ origin: 'http://evil.example' })).status, 403);
  assert.equal((await revoke({ origin: `http://localhost:${port}` })).status, 403, 'another name of this machine is another origin');
  assert.equal((await revoke({ origin: 'null' })).status, 403);
  assert.equal((await revoke({ 'sec-fetch-site': 'same-site' })).status, 403);
  assert.equal((await revoke({ 'sec-fetch-site': 'cross-site' })).status, 403);
  // A token of another session is no token.
  const otherSession = await adminSessionCookie(bridge.dataDir);
  const foreignToken = csrfTokenOf((await send(port, 'GET', '/accounts', { cookie: otherSession })).body);
  assert.equal((await revoke({}, foreignToken)).status, 403);
  assert.equal(await isActive(bridge.url, tokens.access), true, 'nothing was revoked by the refused posts');

  const used = await token();
  const done = await revoke({ origin: `http://127.0.0.1:${port}`, 'sec-fetch-site': 'same-origin' }, used);
  assert.equal(done.status, 303);
  assert.equal(await isActive(bridge.url, tokens.access), false);
  const replay = await revoke({}, used);
  assert.equal(replay.status, 403);
  assert.match(replay.body, /was sent already/);
});

test('Rotate secret: post/redirect/get shows the new secret once; a reload neither re-posts nor mints a second one', async (t) => {
  const { bridge, port, cookie } = await adminBridge(t);
  const csrf = csrfTokenOf((await send(port, 'GET', '/clients', { cookie })).body);
  const rotate = () => send(port, 'POST', `/clients/${CLIENT_ID}/rotate-secret`, { 'content-type': FORM, cookie }, form({ csrf_token: csrf }));
  const posted = await rotate();
  assert.equal(posted.status, 303);
  assert.doesNotMatch(posted.body, /class="secret"/);
  const location = posted.headers.location!;
  assert.match(location, /^\/clients\?shown=[A-Za-z0-9_-]{43}$/);

  const shown = await send(port, 'GET', location, { cookie });
  assert.equal(shown.status, 200);
  assert.equal(shown.headers['cache-control'], 'no-store');
  const secret = /<code class="secret">([^<]+)<\/code>/.exec(shown.body)?.[1];
  assert.ok(secret);
  const stored = JSON.stringify(bridge.daemon.context.store.clients.get(CLIENT_ID));

  // The reload: the secret is not shown again, and nothing new is made.
  const reload = await send(port, 'GET', location, { cookie });
  assert.equal(reload.status, 200);
  assert.doesNotMatch(reload.body, /class="secret"/);
  assert.match(reload.body, /shown once and is not kept/);
  // The browser's "resubmit the form" on the POST: the token is spent.
  assert.equal((await rotate()).status, 403);
  // Another session cannot take someone else's reveal either.
  assert.equal((await send(port, 'GET', location, { cookie: await adminSessionCookie(bridge.dataDir) })).body.includes('class="secret"'), false);

  assert.equal(JSON.stringify(bridge.daemon.context.store.clients.get(CLIENT_ID)), stored, 'no second rotation happened');
  assert.equal((await exchange(bridge.url, await newCode(bridge.url), {}, basic(CLIENT_ID, secret))).status, 200, 'the secret shown is the one in force');
});

test('junk answers 4xx, never 5xx: bodiless posts, unknown methods, and a seeded fuzz of 400 requests', async (t) => {
  const { bridge, port, cookie } = await adminBridge(t);
  tokensOf(await exchange(bridge.url, await newCode(bridge.url)));
  const grantId = [...bridge.daemon.context.store.grants.values()][0]!.id;

  const bodiless = await send(port, 'POST', `/clients/${CLIENT_ID}/rotate-secret`, { cookie });
  assert.equal(bodiless.status, 400);
  assert.equal((await send(port, 'POST', '/', { cookie, 'content-type': FORM }, 'csrf_token=x')).status, 405);
  const propfind = await send(port, 'PROPFIND', '/', { cookie });
  assert.equal(propfind.status, 405);
  assert.equal(propfind.headers.allow, 'GET, HEAD, POST');
  assert.equal((await send(port, 'POST', '/accounts/x/revoke', { cookie, 'content-type': 'application/json' }, '{}')).status, 400);
  assert.equal((await send(port, 'POST', '/accounts/x/revoke', { cookie, 'content-type': FORM, 'content-length': String(1 << 30) })).status, 413);

  const seed = Number(process.env['ADMIN_FUZZ_SEED'] ?? Date.now() % 2 ** 31);
  t.diagnostic(`seed ${seed} (rerun with ADMIN_FUZZ_SEED=${seed})`);
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const methods = ['GET', 'HEAD', 'POST', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'PROPFIND', 'MKCOL', 'LOCK', 'TRACE'];
  const paths = ['/', '/accounts', `/accounts/${grantId}/revoke`, '/accounts/%ZZ/revoke', `/clients/${CLIENT_ID}/rotate-secret`, '/clients/%E0%A4%A/rotate-secret', '/clients?shown=abc', '/flows', '/flows/%00', '/flows?ref=%FF', '/signin', '/signin?token=x', '/signin?token=', '//', '/..%2f..%2fetc/passwd', '/accounts?revoked=<script>'];
  const types = [FORM, `${FORM}; charset=utf-8`, 'application/json', 'multipart/form-data; boundary=x', 'text/plain', '', 'application/x-www-form-urlencoded; charset=bogus'];
  const bodies = ['', 'csrf_token=', 'csrf_token=a.b.c', 'csrf_token=%ZZ', 'a[b]=1&a=2', '{"csrf_token":1}', 'x'.repeat(20_000), '\u0000\u00ff', 'csrf_token=1&csrf_token=2'];
  const counts: Record<string, number> = {};
  for (let i = 0; i < 400; i++) {
    const method = pick(methods);
    const headers: Record<string, string> = { cookie: random() < 0.8 ? cookie : 'admin_session=nope' };
    const type = pick(types);
    if (type) headers['content-type'] = type;
    if (random() < 0.2) headers['origin'] = pick(['http://evil.example', 'null', `http://127.0.0.1:${port}`]);
    if (random() < 0.2) headers['sec-fetch-site'] = pick(['cross-site', 'same-origin', 'none', 'garbage']);
    if (random() < 0.1) headers['content-encoding'] = pick(['gzip', 'br', 'identity']);
    if (random() < 0.1) headers['host'] = pick(['evil.example', `localhost:${port}`]);
    const body = method === 'GET' || method === 'HEAD' ? undefined : pick(bodies);
    const answer = await send(port, method, pick(paths), headers, body);
    counts[answer.status] = (counts[answer.status] ?? 0) + 1;
    assert.ok(answer.status < 500, `${method} answered ${answer.status}: ${answer.body.slice(0, 200)}`);
  }
  t.diagnostic(`statuses ${JSON.stringify(counts)}`);
  assert.equal((await send(port, 'GET', '/', { cookie })).status, 200, 'still serving');
});

test('Home Assistant ingress still works without a session: user from X-Remote-User-Name, links under X-Ingress-Path, any Host', async (t) => {
  const bridge = await seededBridge(t);
  const context = bridge.daemon.context;
  const app = createAdminApp(context, { version: '0.1.0', instance: 'test', startedAt: bridge.clock.now, localHealthUrl: `${bridge.url}/health` }, new AdminSessions(context.clock));
  const handler = app.callback();
  // A real listener whose peer reads as the Supervisor's ingress proxy: the one thing faked here.
  const server = createServer((req, res) => {
    Object.defineProperty(req.socket, 'remoteAddress', { value: INGRESS_PROXY, configurable: true });
    void handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const port = (server.address() as AddressInfo).port;
  const ingress = { host: '172.30.33.4:8097', 'x-ingress-path': '/api/hassio_ingress/T0ken', 'x-remote-user-name': 'dana' };

  const clients = await send(port, 'GET', '/clients', ingress);
  assert.equal(clients.status, 200);
  assert.match(clients.body, /<span class="who">dana<\/span>/);
  assert.match(clients.body, /action="\/api\/hassio_ingress\/T0ken\/clients\/alexa-skill\/rotate-secret"/);
  // Home Assistant's origin is the browser's origin under ingress; Sec-Fetch-Site is what tells a foreign post.
  const post = (headers: Record<string, string>, csrf: string) =>
    send(port, 'POST', `/clients/${CLIENT_ID}/rotate-secret`, { ...ingress, 'content-type': FORM, origin: 'https://ha.example.test', ...headers }, form({ csrf_token: csrf }));
  assert.equal((await post({ 'sec-fetch-site': 'cross-site' }, csrfTokenOf(clients.body))).status, 403);
  const rotated = await post({ 'sec-fetch-site': 'same-origin' }, csrfTokenOf(clients.body));
  assert.equal(rotated.status, 303);
  assert.match(rotated.headers.location!, /^\/api\/hassio_ingress\/T0ken\/clients\?shown=/);
  const shown = await send(port, 'GET', rotated.headers.location!.replace('/api/hassio_ingress/T0ken', ''), ingress);
  assert.match(shown.body, /<code class="secret">/);
  // Another Home Assistant user cannot take dana's reveal.
  assert.equal((await send(port, 'GET', rotated.headers.location!.replace('/api/hassio_ingress/T0ken', ''), { ...ingress, 'x-remote-user-name': 'erin' })).body.includes('class="secret"'), false);
});

test('in Chromium: a rebound name gets 421; the sign-in link, then Rotate secret and a reload, show one secret once', async (t) => {
  const { bridge, port } = await adminBridge(t);
  // rebind.test resolves to this machine, as a DNS-rebinding attacker's name would.
  const browser = await launchChromium(['--host-resolver-rules=MAP rebind.test 127.0.0.1']);
  t.after(() => browser.close());
  const page = await (await browser.newContext({ viewport: { width: 1000, height: 800 } })).newPage();

  const rebound = await page.goto(`http://rebind.test:${port}/`);
  assert.equal(rebound?.status(), 421);

  const link = await sendToDaemon(bridge.dataDir, 'admin link', {});
  await page.goto((link as { result: { url: string } }).result.url);
  await page.getByRole('link', { name: 'Clients' }).click();
  await page.locator('summary', { hasText: 'Rotate the secret' }).click();
  await page.getByRole('button', { name: 'Rotate the secret' }).click();
  await page.waitForURL(/\/clients\?shown=/);
  const secret = await page.locator('code.secret').textContent();
  assert.ok(secret);
  await screenshot(page, 'admin-rotated-secret');
  await page.reload();
  assert.equal(await page.locator('code.secret').count(), 0);
  assert.match(await page.locator('main').textContent() ?? '', /shown once and is not kept/);
  await screenshot(page, 'admin-rotated-secret-reloaded');
  assert.equal((await exchange(bridge.url, await newCode(bridge.url), {}, basic(CLIENT_ID, secret))).status, 200, 'one rotation, and the secret shown is in force');
});
