// The daemon behind Debian's nginx with the shipped config/nginx/nginx.conf and alexa-oauth-bridge.conf, as a
// user runs it: TLS on the proxy, trust_proxy its address, the issuer the public https URL.
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { after, before, test } from 'node:test';
import { CLIENT_ID, LAYLA, USERNAME } from './helpers/bridge.ts';
import { cliOk, DaemonProcess, freePort, OAuthClient, seedAlexaWithCli, tempDir } from './helpers/daemon-process.ts';
import { authorizeQuery } from './helpers/http.ts';
import { Nginx, TLS_NAME } from './helpers/nginx.ts';

const SIGN_IN_FAILURE_LIMIT = 3;
const BRUTE_USER = 'bob';
const BRUTE_PASSWORD = 'bob-has-a-long-password';

let dataDir: string;
let daemon: DaemonProcess;
let nginx: Nginx;
let publicUrl: string;
let daemonEnv: Record<string, string>;

/** Headers a hostile or confused client might send to make the server build URLs from them. */
const SPOOFED_HOST_HEADERS = {
  host: 'evil.example',
  'x-forwarded-host': 'evil.example',
  'x-forwarded-proto': 'http',
  'x-forwarded-port': '8443',
  forwarded: 'for=203.0.113.9;host=evil.example;proto=http',
  origin: 'https://evil.example',
  'accept-language': 'en',
};

before(async () => {
  dataDir = await tempDir('bridge-nginx-data-');
  await seedAlexaWithCli(dataDir);
  await cliOk(['user', 'add', BRUTE_USER, '--password-stdin'], { dataDir, input: BRUTE_PASSWORD });
  const nginxPort = await freePort();
  publicUrl = `https://${TLS_NAME}:${nginxPort}`;
  daemonEnv = {
    BRIDGE_TRUST_PROXY: '127.0.0.1',
    BRIDGE_SIGN_IN_FAILURE_LIMIT: String(SIGN_IN_FAILURE_LIMIT),
    BRIDGE_SIGN_IN_BLOCK_SECONDS: '600',
  };
  daemon = await DaemonProcess.start({ dataDir, publicUrl, env: daemonEnv });
  nginx = await Nginx.start({ upstreamPort: daemon.port, port: nginxPort });
});

after(async () => {
  await nginx?.stop();
  await daemon?.stop();
});

test('the whole Alexa link through nginx: every URL comes from BRIDGE_PUBLIC_URL, whatever Host says', async () => {
  for (const headers of [{ 'accept-language': 'en' }, SPOOFED_HOST_HEADERS]) {
    const alexa = new OAuthClient(nginx.send, headers);
    const query = authorizeQuery({ state: 'A2SAAEAEH6bG0P' });

    const page = await alexa.page(query);
    assert.equal(page.status, 200, page.html);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.equal(page.action, `${publicUrl}/alexa/authorize`, 'the form posts to the public URL');
    assert.doesNotMatch(page.html, /evil\.example/);
    assert.match(page.cookie, /^__Host-bridge_csrf=/);
    assert.match(String(page.headers['set-cookie']), /Secure/, 'the https issuer makes the CSRF cookie Secure');

    const consent = await alexa.consent(page);
    assert.equal(consent.status, 303, consent.body);
    const location = new URL(consent.headers.location!);
    assert.equal(`${location.origin}${location.pathname}`, LAYLA);
    assert.equal(location.searchParams.get('state'), 'A2SAAEAEH6bG0P');
    assert.equal(location.searchParams.get('iss'), publicUrl);
    const code = location.searchParams.get('code')!;
    assert.ok(code);

    // Amazon exchanges the code with HTTP Basic, then refreshes.
    const tokens = await alexa.exchange(code, LAYLA);
    assert.equal(tokens.token_type, 'Bearer');
    const refreshed = await alexa.refresh(tokens.refresh_token);
    assert.equal(refreshed.status, 200, refreshed.text);
    assert.notEqual(refreshed.json['refresh_token'], tokens.refresh_token);
    assert.equal(refreshed.headers['cache-control'], 'no-store');

    const introspected = await alexa.introspect(refreshed.json['access_token'] as string);
    assert.equal(introspected.status, 200);
    assert.equal(introspected.json['active'], true);
    assert.equal(introspected.json['username'], USERNAME);
    assert.equal(introspected.json['client_id'], CLIENT_ID);
    assert.equal(introspected.json['iss'], publicUrl);
  }
});

test('metadata through nginx names the public URL as issuer and builds every endpoint from it', async () => {
  for (const headers of [{}, SPOOFED_HOST_HEADERS]) {
    const response = await nginx.request({ path: '/.well-known/oauth-authorization-server', headers });
    assert.equal(response.status, 200, response.body);
    const metadata = JSON.parse(response.body) as Record<string, unknown>;
    assert.equal(metadata['issuer'], publicUrl);
    assert.equal(metadata['authorization_endpoint'], `${publicUrl}/alexa/authorize`);
    assert.equal(metadata['token_endpoint'], `${publicUrl}/alexa/token`);
    assert.doesNotMatch(response.body, /evil\.example|127\.0\.0\.1/);
  }
});

test('/health answers through nginx', async () => {
  const response = await nginx.request({ path: '/health' });
  assert.equal(response.status, 200);
  assert.equal((JSON.parse(response.body) as Record<string, unknown>)['status'], 'ok');
  const head = await nginx.request({ method: 'HEAD', path: '/health' });
  assert.equal(head.status, 200);
});

test('only /alexa/, the metadata and /health are proxied; everything else is a 404 from nginx itself', async () => {
  const notProxied = [
    '/',
    '/index.html',
    '/admin',
    '/control',
    '/flows',
    '/healthz',
    '/health/extra',
    '/.well-known/openid-configuration',
    '/.well-known/oauth-authorization-server/extra',
    '/.well-known/',
    '/alexa/../admin',
    '/alexa/%2e%2e/admin',
    '/ALEXA/authorize',
  ];
  for (const path of notProxied) {
    const response = await nginx.request({ path });
    assert.equal(response.status, 404, `${path} answered ${response.status}`);
    assert.equal(response.headers['x-request-id'], undefined, `${path} reached the daemon`);
    assert.match(response.body, /nginx/i, `${path}: not nginx's own 404 page`);
  }
  // nginx's own redirect of the bare prefix to /alexa/ (it does not reach the daemon either).
  const bare = await nginx.request({ path: '/alexa' });
  assert.ok([301, 404].includes(bare.status), `/alexa answered ${bare.status}`);
  assert.equal(bare.headers['x-request-id'], undefined);
  // POSTs too: the proxy is not a way around the location rules.
  for (const path of ['/', '/admin', '/.well-known/x']) {
    const response = await nginx.request({ method: 'POST', path, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=b' });
    assert.equal(response.status, 404, `POST ${path} answered ${response.status}`);
    assert.equal(response.headers['x-request-id'], undefined);
  }
  // Whereas everything under /alexa/ reaches it (its own JSON 404 for an unknown path).
  const proxied = await nginx.request({ path: '/alexa/nothing-here' });
  assert.equal(proxied.status, 404);
  assert.ok(proxied.headers['x-request-id'], 'answered by the daemon');
  assert.match(String(proxied.headers['content-type']), /json/);

  // The daemon's request log: the proxied request arrives, none of the others ever does. Lines
  // are matched by path, not by position, since an earlier test's line may still be on its way.
  const refused = new Set([...notProxied, '/alexa', '/.well-known/x']);
  await daemon.waitForLog((line) => line['path'] === '/alexa/nothing-here', 'for the proxied request');
  const paths = daemon.logs.map((line) => line['path']).filter((path): path is string => typeof path === 'string');
  assert.deepEqual(paths.filter((path) => refused.has(path)), [], 'only /alexa/ requests may reach the daemon');
});

test('a body over the cap is refused with 413 at the proxy', async () => {
  const alexa = new OAuthClient(nginx.send);
  const answer = await alexa.token({ grant_type: 'refresh_token', refresh_token: 'x'.repeat(64 * 1024) });
  assert.equal(answer.status, 413);
});

test('a client that spoofs a new X-Forwarded-For on every request is still blocked after the sign-in failure limit', async () => {
  const alexa = new OAuthClient(nginx.send, { 'accept-language': 'en' });
  const query = authorizeQuery();
  const spoofed = new Set<string>();
  const attempt = async (password: string) => {
    const forwardedFor = `${randomInt(1, 224)}.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;
    spoofed.add(forwardedFor);
    const page = await alexa.page(query, { 'x-forwarded-for': forwardedFor });
    assert.equal(page.status, 200);
    return alexa.consent(page, { username: BRUTE_USER, password }, { 'x-forwarded-for': `${forwardedFor}, 10.0.0.${randomInt(1, 255)}`, 'x-real-ip': forwardedFor });
  };

  const statuses: number[] = [];
  for (let i = 0; i < SIGN_IN_FAILURE_LIMIT + 2; i++) {
    const response = await attempt(`wrong password ${i}`);
    statuses.push(response.status);
    if (response.status === 429) {
      assert.match(response.body, /try again/i, 'the page says when to try again');
      assert.ok(response.headers['retry-after'], 'a Retry-After header');
    } else {
      assert.equal(response.status, 400, response.body.slice(0, 500));
      assert.match(response.body, /not right/i);
    }
  }
  const firstBlocked = statuses.indexOf(429);
  assert.ok(firstBlocked >= 0 && firstBlocked <= SIGN_IN_FAILURE_LIMIT, `blocked after ${SIGN_IN_FAILURE_LIMIT} failures: ${statuses}`);
  assert.ok(statuses.slice(firstBlocked).every((status) => status === 429), `stays blocked: ${statuses}`);
  assert.ok(statuses.slice(0, SIGN_IN_FAILURE_LIMIT - 1).every((status) => status === 400), `not blocked before the limit: ${statuses}`);

  // Even the right password is refused while the block lasts: guessing cannot go on.
  const right = await attempt(BRUTE_PASSWORD);
  assert.equal(right.status, 429, 'the right password during the block');
  assert.doesNotMatch(right.headers.location ?? '', /code=/);

  // The daemon saw the address nginx saw, never one the client picked. Log lines arrive in order:
  // once a marker request's line is in, so are the lines of every attempt before it.
  const marker = `/alexa/after-the-guesses-${randomInt(1e9)}`;
  assert.equal((await nginx.request({ path: marker })).status, 404);
  await daemon.waitForLog((line) => line['path'] === marker, 'for the marker request after the guesses');
  const ips = new Set(daemon.logs.filter((line) => line['path'] === '/alexa/authorize' && 'ip' in line).map((line) => line['ip']));
  for (const ip of spoofed) assert.ok(!ips.has(ip), `the daemon logged the spoofed address ${ip}`);
  assert.ok(ips.has('127.0.0.1'), `logged addresses: ${[...ips]}`);

  // The block is for that username from that address: the household's real user still links.
  const tokens = await alexa.link(authorizeQuery());
  assert.ok(tokens.access_token);
});

test('with the daemon down nginx answers 502; once it is back, so is the service', async () => {
  await daemon.stop();
  for (const path of ['/health', '/.well-known/oauth-authorization-server', '/alexa/authorize']) {
    const response = await nginx.request({ path });
    assert.equal(response.status, 502, `${path} with the daemon down answered ${response.status}`);
  }
  const token = await new OAuthClient(nginx.send).token({ grant_type: 'refresh_token', refresh_token: 'x' });
  assert.equal(token.status, 502);

  daemon = await DaemonProcess.start({ dataDir, publicUrl, port: daemon.port, env: daemonEnv });
  const health = await nginx.request({ path: '/health' });
  assert.equal(health.status, 200);
  const tokens = await new OAuthClient(nginx.send, { 'accept-language': 'en' }).link(authorizeQuery());
  assert.ok(tokens.refresh_token);
});
