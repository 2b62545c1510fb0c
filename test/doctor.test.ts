// `doctor` against set-ups built on loopback: a TLS reverse proxy with a self-signed certificate
// made by openssl, a second bridge behind it, wrong clients, short lifetimes, an open data dir.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, readFile } from 'node:fs/promises';
import { request, createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Check } from '../src/doctor/check.ts';
import { runDoctor } from '../src/doctor/doctor.ts';
import { localHealthUrl } from '../src/net/addresses.ts';
import { addClient } from '../src/services/clients.ts';
import { LAYLA, seedAlexa, startBridge, VENDOR_ID, type TestBridge } from './helpers/bridge.ts';
import { runCli } from './helpers/cli.ts';
import { NO_ADMIN } from './helpers/diagnostics.ts';

/** A reverse proxy on https://127.0.0.1:<port> with a self-signed certificate, forwarding to `target`. */
interface TlsProxy {
  url: string;
  target: number | undefined;
  server: Server;
}

let proxy: TlsProxy;

before(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'doctor-cert-'));
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '30',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
    '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
  ], { stdio: 'ignore' });
  const server = createHttpsServer({ key: await readFile(join(dir, 'key.pem')), cert: await readFile(join(dir, 'cert.pem')) }, (req, res) => {
    if (proxy.target === undefined) {
      res.writeHead(404, { 'content-type': 'text/html' }).end('<h1>Welcome to nginx!</h1>');
      return;
    }
    const upstream = request({ host: '127.0.0.1', port: proxy.target, path: req.url, method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy = { url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, target: undefined, server };
});
after(() => proxy.server.close());

/** A seeded bridge whose public URL is the TLS proxy, with its clock set to now (the Date headers are real). */
async function bridgeBehindProxy(t: { after(fn: () => unknown): void }, env: Record<string, string> = {}): Promise<TestBridge> {
  const bridge = await startBridge({ env: { ...NO_ADMIN, BRIDGE_PUBLIC_URL: proxy.url, ...env } });
  t.after(() => bridge.stop());
  bridge.clock.now = Date.now();
  await seedAlexa(bridge);
  proxy.target = bridge.daemon.port;
  return bridge;
}

async function doctor(bridge: TestBridge): Promise<Record<string, Check>> {
  const report = await runDoctor(bridge.daemon.context, { localHealthUrl: localHealthUrl('127.0.0.1', bridge.daemon.port), timeoutMs: 3000 });
  return Object.fromEntries(report.checks.map((check) => [check.id, check]));
}

test('behind a TLS proxy that reaches it: reachability, issuer, clock and clients pass', async (t) => {
  const checks = await doctor(await bridgeBehindProxy(t));
  assert.equal(checks['reaches-daemon']!.status, 'pass', checks['reaches-daemon']!.message);
  assert.match(checks['reaches-daemon']!.message, /reaches this daemon \(instance [0-9a-f]{16}\)/);
  assert.equal(checks['metadata']!.status, 'pass', checks['metadata']!.message);
  assert.equal(checks['clock']!.status, 'pass', checks['clock']!.message);
  assert.equal(checks['client:alexa-skill']!.status, 'pass');
  assert.equal(checks['lifetimes']!.status, 'pass');
  assert.equal(checks['config']!.status, 'pass');
});

test('a self-signed certificate fails, with its validity dates; a port other than 443 fails', async (t) => {
  const checks = await doctor(await bridgeBehindProxy(t));
  const cert = checks['certificate']!;
  assert.equal(cert.status, 'fail');
  assert.match(cert.message, /Amazon will not trust it: it is self-signed \(valid 20\d\d-\d\d-\d\d \d\d:\d\d:\d\d UTC to 20\d\d-\d\d-\d\d \d\d:\d\d:\d\d UTC, for 127\.0\.0\.1/);
  assert.match(cert.fix!, /public certificate authority/);
  assert.equal(checks['public-url']!.status, 'fail');
  assert.match(checks['public-url']!.message, /uses port \d+: Alexa reaches authorization servers only on port 443/);
});

test('an expired certificate fails with how long ago (the clock moved past its end)', async (t) => {
  const bridge = await bridgeBehindProxy(t);
  bridge.clock.advance(40 * 86_400);
  const cert = (await doctor(bridge))['certificate']!;
  assert.equal(cert.status, 'fail');
  assert.match(cert.message, /the certificate expired \d+ days ago/);
});

test('the clock against the proxy’s Date: minutes apart fail', async (t) => {
  const bridge = await bridgeBehindProxy(t);
  // Set just before the probe: the bridge's test clock stands still while real time (the proxy's
  // Date, whole seconds) goes on. Timing assumption: the probe answers within a minute.
  bridge.clock.now = Date.now() - 600_000;
  const clock = (await doctor(bridge))['clock']!;
  assert.equal(clock.status, 'fail');
  assert.match(clock.message, /(9 min 5\d s|10 min( [1-5]?\d s)?) apart, longer than a code lives/);
});

test('the public URL answered by another bridge instance fails and says so', async (t) => {
  const bridge = await bridgeBehindProxy(t);
  const other = await startBridge({ env: { ...NO_ADMIN, BRIDGE_PUBLIC_URL: proxy.url } });
  t.after(() => other.stop());
  proxy.target = other.daemon.port;
  const reach = (await doctor(bridge))['reaches-daemon']!;
  assert.equal(reach.status, 'fail');
  assert.match(reach.message, /is answered by another bridge \(instance [0-9a-f]+\), not by this daemon/);
});

test('a proxy that does not forward /health, and a public URL nobody answers, fail with what was seen', async (t) => {
  const bridge = await bridgeBehindProxy(t);
  proxy.target = undefined;
  let checks = await doctor(bridge);
  assert.equal(checks['reaches-daemon']!.status, 'fail');
  assert.match(checks['reaches-daemon']!.message, /answered 404 text\/html, not this bridge's health answer/);

  const closed = createHttpServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  closed.close();
  const unreachable = await startBridge({ env: { ...NO_ADMIN, BRIDGE_PUBLIC_URL: `https://127.0.0.1:${port}` } });
  t.after(() => unreachable.stop());
  checks = await doctor(unreachable);
  assert.match(checks['reaches-daemon']!.message, /cannot be reached from here: nothing accepts connections there/);
  assert.equal(checks['certificate']!.status, 'fail');
});

test('a client missing a region, or with a near-miss redirect URI, fails and names the region', async (t) => {
  const bridge = await bridgeBehindProxy(t);
  await addClient(bridge.daemon.context, { id: 'eu-only', secret: 'eu-only-secret-0123456789', redirectUris: [LAYLA] });
  await addClient(bridge.daemon.context, {
    id: 'slashed',
    secret: 'slashed-secret-0123456789',
    redirectUris: [`https://pitangui.amazon.com/api/skill/link/${VENDOR_ID}/`, `https://alexa.amazon.co.jp/api/skill/link/${VENDOR_ID}`, LAYLA],
  });
  const checks = await doctor(bridge);
  const euOnly = checks['client:eu-only']!;
  assert.equal(euOnly.status, 'fail');
  assert.match(euOnly.message, /North America's https:\/\/pitangui\.amazon\.com\/api\/skill\/link\/M2TESTVENDOR42 is missing, so people whose Alexa app uses that region cannot link/);
  assert.match(euOnly.message, /Far East .* is missing/);
  assert.match(euOnly.fix!, /--alexa-vendor-id M2TESTVENDOR42/);
  assert.match(checks['client:slashed']!.message, /is registered as https:\/\/pitangui\.amazon\.com\/api\/skill\/link\/M2TESTVENDOR42\/ \(it has a trailing slash the registered one has not\)/);
});

test('an access token lifetime below Alexa’s minimum fails; an open data dir warns', async (t) => {
  const bridge = await bridgeBehindProxy(t, { BRIDGE_ACCESS_TOKEN_TTL: '300' });
  await chmod(bridge.dataDir, 0o755);
  const checks = await doctor(bridge);
  assert.equal(checks['lifetimes']!.status, 'fail');
  assert.match(checks['lifetimes']!.message, /Alexa needs access tokens that live at least 360 s/);
  assert.equal(checks['data-dir']!.status, 'warn');
  assert.match(checks['data-dir']!.message, /is open to others \(mode 755\)/);
  assert.equal(checks['config']!.status, 'warn');
});

/** Runs `doctor` as a person would, against the daemon over its control socket. */
function doctorCli(bridge: TestBridge, ...args: string[]) {
  return runCli(['doctor', ...args], { dataDir: bridge.dataDir });
}

/** A bridge whose public URL is its own plain-http loopback listener: warnings, no failure. */
async function selfServedBridge(t: { after(fn: () => unknown): void }): Promise<TestBridge> {
  const free = createHttpServer();
  await new Promise<void>((resolve) => free.listen(0, '127.0.0.1', resolve));
  const port = (free.address() as AddressInfo).port;
  await new Promise((resolve) => free.close(resolve));
  const bridge = await startBridge({ env: { ...NO_ADMIN, BRIDGE_PORT: String(port), BRIDGE_PUBLIC_URL: `http://127.0.0.1:${port}` } });
  t.after(() => bridge.stop());
  bridge.clock.now = Date.now();
  await seedAlexa(bridge);
  return bridge;
}

test('`doctor` exits 0 when nothing fails, listing every check', async (t) => {
  const bridge = await selfServedBridge(t);
  const { code, stdout } = await doctorCli(bridge);
  assert.equal(code, 0, stdout);
  assert.match(stdout, /^WARN  Public URL\s+http:\/\/127\.0\.0\.1:\d+\/ is plain http on this machine/m);
  assert.match(stdout, /^PASS  Public URL reaches this daemon\s+/m);
  assert.match(stdout, /^\d+ passed, \d+ warned, 0 failed$/m);
});

test('`doctor --json` exits 1 when a check fails, with one line on stderr', async (t) => {
  const bridge = await selfServedBridge(t);
  await addClient(bridge.daemon.context, { id: 'eu-only', secret: 'eu-only-secret-0123456789', redirectUris: [LAYLA] });
  const { code, stdout, stderr } = await doctorCli(bridge, '--json');
  assert.equal(code, 1);
  assert.equal(stderr, 'alexa-oauth-bridge: doctor: 1 check failed\n');
  const report = JSON.parse(stdout) as { ok: boolean; checks: Check[] };
  assert.equal(report.ok, false);
  assert.deepEqual(report.checks.filter((check) => check.status === 'fail').map((check) => check.id), ['client:eu-only']);
});
