// BRIDGE_TRUST_PROXY=::ffff:127.0.0.0/104 stopped start-up with `prefix length outside 0-32`: the
// mapped address was folded to IPv4 but its IPv6 prefix was not. An IPv4-mapped range is now the
// IPv4 range it maps (peers are compared as IPv4), and one that reaches beyond the mapped block is
// refused with a line saying what to write instead.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../src/config/load.ts';
import { normalizeAddress } from '../src/net/addresses.ts';
import { USERNAME } from './helpers/bridge.ts';
import { DaemonProcess, httpSender, OAuthClient, seedAlexaWithCli } from './helpers/daemon-process.ts';
import { authorizeQuery } from './helpers/http.ts';

const base = { BRIDGE_DATA_DIR: '/tmp/unused' };
const trustProxy = (value: string) => loadConfig({ env: { ...base, BRIDGE_TRUST_PROXY: value } }).trustProxy;

test('an IPv4-mapped range is the IPv4 range it maps, in the dotted and the hex form', () => {
  assert.deepEqual(trustProxy('::ffff:127.0.0.0/104'), ['127.0.0.0/8']);
  assert.deepEqual(trustProxy('::FFFF:7f00:0/104'), ['127.0.0.0/8']);
  assert.deepEqual(trustProxy('[::ffff:172.30.32.0]/119, ::ffff:10.1.2.3'), ['172.30.32.0/23', '10.1.2.3/32']);
  assert.deepEqual(trustProxy('::ffff:0.0.0.0/96'), ['0.0.0.0/0']);
  assert.equal(normalizeAddress('::ffff:c000:201'), '192.0.2.1');
  assert.equal(normalizeAddress('::ffff:192.0.2.1'), '192.0.2.1');
  assert.equal(normalizeAddress('::fffe:c000:201'), '::fffe:c000:201');
});

test('an IPv4-mapped range reaching beyond the mapped block: one line naming the setting, the value and what to write', () => {
  assert.throws(() => loadConfig({ env: { ...base, BRIDGE_TRUST_PROXY: '::ffff:127.0.0.0/80' } }), {
    message:
      'BRIDGE_TRUST_PROXY="::ffff:127.0.0.0/80": "::ffff:127.0.0.0/80" is an IPv4-mapped IPv6 range with a prefix length outside 96-128; ' +
      'peers are compared as IPv4, so write the IPv4 range instead (::ffff:a.b.c.d/96+N is a.b.c.d/N) and any other IPv6 range in plain IPv6',
  });
  assert.throws(() => loadConfig({ env: { ...base, BRIDGE_TRUST_PROXY: '::ffff:127.0.0.0/129' } }), /is an IPv4-mapped IPv6 range with a prefix length outside 96-128/);
  assert.throws(() => loadConfig({ env: { ...base, BRIDGE_TRUST_PROXY: '127.0.0.0/104' } }), /"127\.0\.0\.0\/104" has a prefix length outside 0-32/);
});

test('a proxy on loopback trusted as ::ffff:127.0.0.0/104 is believed: each forwarded client has its own sign-in budget', async (t) => {
  const daemon = await DaemonProcess.start({ env: { BRIDGE_TRUST_PROXY: '::ffff:127.0.0.0/104', BRIDGE_SIGN_IN_FAILURE_LIMIT: '2', BRIDGE_ADMIN_PORT: 'off' } });
  t.after(() => daemon.stop());
  await seedAlexaWithCli(daemon.dataDir);
  const alexa = new OAuthClient(httpSender(daemon.url), { 'accept-language': 'en' });
  const guess = async (client: string) => {
    const headers = { 'x-forwarded-for': client };
    const page = await alexa.page(authorizeQuery(), headers);
    return (await alexa.consent(page, { username: USERNAME, password: 'a wrong guess' }, headers)).status;
  };
  // Four people behind the proxy, one wrong password each: none is blocked for the others' tries.
  const statuses = [];
  for (const client of ['192.0.2.1', '192.0.2.2', '192.0.2.3', '192.0.2.4']) statuses.push(await guess(client));
  assert.deepEqual(statuses, [400, 400, 400, 400]);
  // One of them trying again meets its own limit (the 2nd failure of one client is refused).
  assert.equal(await guess('192.0.2.1'), 429);
});
