// Which proxy to believe. `trust_proxy` used to be a hop count: with 1 (the add-on's default, while
// the add-on also publishes 8096 on the host) anyone reaching the port directly chose their own
// address with X-Forwarded-For, so password and client-secret guessing never met a block. Now it
// lists trusted proxies; forwarded headers from any other peer are ignored.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig, configWarnings } from '../src/config/load.ts';
import { clientKey, normalizeAddress, TrustedProxies } from '../src/net/addresses.ts';
import { BoundedRateLimiter } from '../src/throttling/boundedLimiter.ts';
import { basicAuth, DaemonProcess, httpSender, OAuthClient, seedAlexaWithCli } from './helpers/daemon-process.ts';
import { CLIENT_ID, USERNAME } from './helpers/bridge.ts';
import { authorizeQuery } from './helpers/http.ts';

/** The add-on's default: the Supervisor's network. A test client on loopback is outside it, like a LAN client on the published port. */
const ADDON_DEFAULT = '172.30.32.0/23';

let forged = 0;
/** A fresh public-looking address for every request, as the attacker sent. */
function forgedAddress(): string {
  forged++;
  return `203.0.${(forged >> 8) & 255}.${forged & 255}`;
}

test('a peer that is not a trusted proxy cannot choose its address: sign-in guessing is blocked at the limit', async (t) => {
  const daemon = await DaemonProcess.start({ env: { BRIDGE_TRUST_PROXY: ADDON_DEFAULT, BRIDGE_SIGN_IN_FAILURE_LIMIT: '5' } });
  t.after(() => daemon.stop());
  await seedAlexaWithCli(daemon.dataDir);
  const alexa = new OAuthClient(httpSender(daemon.url), { 'accept-language': 'en' });
  const statuses: number[] = [];
  for (let i = 0; i < 40; i++) {
    const headers = { 'x-forwarded-for': forgedAddress(), 'x-forwarded-proto': 'https' };
    const page = await alexa.page(authorizeQuery(), headers);
    const answer = await alexa.consent(page, { username: USERNAME, password: `guess ${i}` }, { ...headers, 'x-forwarded-for': forgedAddress() });
    statuses.push(answer.status);
  }
  assert.deepEqual(statuses.slice(0, 4), [400, 400, 400, 400]);
  assert.ok(statuses.slice(5).every((status) => status === 429), `blocked from the 6th guess on: ${statuses}`);
  // The log names the real peer, never a forged address.
  const ips = new Set(daemon.logs.filter((line) => 'ip' in line).map((line) => line['ip']));
  assert.deepEqual([...ips], ['127.0.0.1']);
});

test('a peer that is not a trusted proxy cannot choose its address: client-secret guessing is blocked at the limit', async (t) => {
  const daemon = await DaemonProcess.start({ env: { BRIDGE_TRUST_PROXY: ADDON_DEFAULT, BRIDGE_CLIENT_AUTH_FAILURE_LIMIT: '20' } });
  t.after(() => daemon.stop());
  await seedAlexaWithCli(daemon.dataDir);
  const alexa = new OAuthClient(httpSender(daemon.url));
  const statuses: number[] = [];
  for (let i = 0; i < 60; i++) {
    const answer = await alexa.post(
      '/alexa/introspect',
      { token: 'whatever' },
      { ...basicAuth(CLIENT_ID, `wrong-secret-${i}`), 'x-forwarded-for': forgedAddress() },
    );
    statuses.push(answer.status);
  }
  assert.ok(statuses.slice(0, 20).every((status) => status === 401), `401 for the first 20: ${statuses}`);
  assert.ok(statuses.slice(20).every((status) => status === 429), `429 from the 21st on: ${statuses}`);
});

test('X-Forwarded-For is read from the right, skipping trusted hops; junk from a trusted hop never becomes the client', () => {
  const proxies = new TrustedProxies(['127.0.0.1', '10.0.0.0/8', 'fd00::/8']);
  // Untrusted peer: the header is ignored, whatever it says.
  assert.equal(proxies.clientAddress('192.0.2.50', '203.0.113.9'), '192.0.2.50');
  // Trusted peer: its last hop is the client.
  assert.equal(proxies.clientAddress('127.0.0.1', '203.0.113.9, 198.51.100.7'), '198.51.100.7');
  // Trusted hops on the right are skipped; what a client wrote before them is not believed.
  assert.equal(proxies.clientAddress('127.0.0.1', 'forged, 198.51.100.7, 10.1.2.3'), '198.51.100.7');
  assert.equal(proxies.clientAddress('::ffff:127.0.0.1', '198.51.100.7'), '198.51.100.7');
  // Junk right after a trusted hop: the last address known, never the junk.
  assert.equal(proxies.clientAddress('127.0.0.1', 'nonsense'), '127.0.0.1');
  assert.equal(proxies.clientAddress('127.0.0.1', '198.51.100.7, not-an-ip, 10.0.0.1'), '10.0.0.1');
  // IPv6 and brackets.
  assert.equal(proxies.clientAddress('fd00::1', '[2001:db8::1]'), '2001:db8::1');
  // Nobody trusted (the default outside the add-on): the peer, always.
  assert.equal(new TrustedProxies([]).clientAddress('127.0.0.1', '203.0.113.9'), '127.0.0.1');
});

test('IPv4-mapped addresses fold to IPv4; IPv6 clients are keyed by their /64', () => {
  assert.equal(normalizeAddress('::ffff:192.0.2.1'), '192.0.2.1');
  assert.equal(normalizeAddress('::FFFF:192.0.2.1'), '192.0.2.1');
  assert.equal(normalizeAddress('fe80::1%eth0'), 'fe80::1');
  assert.equal(normalizeAddress('not an address'), undefined);
  assert.equal(clientKey('192.0.2.1'), '192.0.2.1');
  assert.equal(clientKey('2001:db8:1:2:aaaa:bbbb:cccc:dddd'), '2001:db8:1:2::/64');
  assert.equal(clientKey('2001:db8:1:2::1'), clientKey('2001:db8:1:2:ffff::9'));
  assert.notEqual(clientKey('2001:db8:1:2::1'), clientKey('2001:db8:1:3::1'));
  assert.equal(clientKey('::1'), '0:0:0:0::/64');
  assert.equal(clientKey('2001:db8::192.0.2.1'), '2001:db8:0:0::/64');
});

test('a whole /64 shares one sign-in budget: rotating addresses inside it does not reset the block', async (t) => {
  const daemon = await DaemonProcess.start({ env: { BRIDGE_TRUST_PROXY: '127.0.0.1', BRIDGE_SIGN_IN_FAILURE_LIMIT: '3' } });
  t.after(() => daemon.stop());
  await seedAlexaWithCli(daemon.dataDir);
  const alexa = new OAuthClient(httpSender(daemon.url), { 'accept-language': 'en' });
  const statuses: number[] = [];
  for (let i = 1; i <= 6; i++) {
    const headers = { 'x-forwarded-for': `2001:db8:77:1::${i.toString(16)}` };
    const page = await alexa.page(authorizeQuery(), headers);
    statuses.push((await alexa.consent(page, { username: USERNAME, password: `guess ${i}` }, headers)).status);
  }
  assert.deepEqual(statuses, [400, 400, 429, 429, 429, 429]);
  // Another /64 is another client.
  const other = { 'x-forwarded-for': '2001:db8:77:2::1' };
  const page = await alexa.page(authorizeQuery(), other);
  assert.equal((await alexa.consent(page, { username: USERNAME, password: 'guess' }, other)).status, 400);
});

test('trust_proxy: addresses and ranges, one line naming the setting when wrong, old hop counts read with a warning', () => {
  const base = { BRIDGE_DATA_DIR: '/tmp/unused' };
  assert.deepEqual(loadConfig({ env: { ...base, BRIDGE_TRUST_PROXY: '127.0.0.1, 172.30.32.0/23, ::1, fd00::/8' } }).trustProxy, [
    '127.0.0.1/32',
    '172.30.32.0/23',
    '::1/128',
    'fd00::/8',
  ]);
  assert.deepEqual(loadConfig({ env: base }).trustProxy, []);
  assert.throws(
    () => loadConfig({ env: { ...base, BRIDGE_TRUST_PROXY: '127.0.0.1, nginx.local' } }),
    { message: 'BRIDGE_TRUST_PROXY="127.0.0.1, nginx.local": "nginx.local" is not an IP address or CIDR range' },
  );
  assert.throws(() => loadConfig({ env: { ...base, BRIDGE_TRUST_PROXY: '10.0.0.0/33' } }), /"10.0.0.0\/33" has a prefix length outside 0-32/);

  const legacy = loadConfig({ env: { ...base, BRIDGE_TRUST_PROXY: '1' } });
  assert.deepEqual(legacy.trustProxy, ['127.0.0.0/8', '::1/128']);
  assert.match(configWarnings(legacy).join('\n'), /trust_proxy 1 is a hop count, as older versions took it; it is now the list of trusted proxies, read as "127.0.0.0\/8, ::1\/128"/);
  // In the add-on (the Supervisor's token is set) an old count means the Supervisor's network.
  const addon = loadConfig({ env: { ...base, SUPERVISOR_TOKEN: 'x' }, flags: {} });
  assert.deepEqual(addon.trustProxy, []);
  const addonLegacy = loadConfig({ env: { ...base, SUPERVISOR_TOKEN: 'x', BRIDGE_TRUST_PROXY: '2' } });
  assert.deepEqual(addonLegacy.trustProxy, [ADDON_DEFAULT]);
  const zero = loadConfig({ env: { ...base, BRIDGE_TRUST_PROXY: '0' } });
  assert.deepEqual(zero.trustProxy, []);
  assert.match(configWarnings(zero).join('\n'), /trust_proxy 0 is a hop count/);
});

test('a limiter remembers at most its bound of keys, forgetting the least recently used', async () => {
  const limiter = new BoundedRateLimiter({ points: 2, duration: 60 }, 100);
  await limiter.consume('kept').catch(() => undefined);
  for (let i = 0; i < 1000; i++) {
    await limiter.consume(`address-${i}`).catch(() => undefined);
    if (i % 50 === 0) await limiter.consume('kept').catch(() => undefined); // in use: never the oldest
  }
  assert.equal(limiter.size, 100);
  assert.equal((await limiter.get('address-0')), null, 'the oldest key is forgotten');
  assert.ok((await limiter.get('kept'))!.consumedPoints >= 2, 'a key in use stays');
});
