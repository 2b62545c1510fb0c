// Issue 15: the shipped nginx config passes /api/alexa/smart_home on only where the relay is
// turned on (its commented location uncommented), with the real nginx in front of the daemon and
// a stand-in Home Assistant behind it.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { seedAlexa, startBridge, type TestBridge } from './helpers/bridge.ts';
import { link } from './helpers/http.ts';
import { HA_ANSWER, HA_CONTENT_TYPE, HA_TOKEN, HomeAssistantStandIn } from './helpers/home-assistant-standin.ts';
import { Nginx, SHIPPED_CONF } from './helpers/nginx.ts';

let ha: HomeAssistantStandIn;
let bridge: TestBridge;
let accessToken = '';
const started: Nginx[] = [];

before(async () => {
  ha = await HomeAssistantStandIn.start();
  bridge = await startBridge({
    env: { BRIDGE_SMART_HOME_CLIENTS: 'alexa-skill', BRIDGE_HOME_ASSISTANT_URL: ha.url, BRIDGE_HOME_ASSISTANT_TOKEN: HA_TOKEN, BRIDGE_TRUST_PROXY: '127.0.0.1' },
  });
  await seedAlexa(bridge);
  accessToken = (await link(bridge.url)).access_token;
});

after(async () => {
  for (const nginx of started) await nginx.stop();
  await bridge?.stop();
  await ha?.stop();
});

async function nginx(smartHome: boolean): Promise<Nginx> {
  const proxy = await Nginx.start({ upstreamPort: Number(new URL(bridge.url).port), smartHome });
  started.push(proxy);
  return proxy;
}

const directive = () => Buffer.from(`{"directive": {"header": {"namespace": "Alexa.Discovery", "name": "Discover", "payloadVersion": "3"}, "payload": {"scope": {"type": "BearerToken", "token": "${accessToken}"}}}}`);

test('as shipped (location commented out), nginx answers 404 and nothing reaches the daemon', async () => {
  const proxy = await nginx(false);
  const before = ha.received.length;
  const response = await proxy.send({ method: 'POST', path: '/api/alexa/smart_home', headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' }, body: directive() });
  assert.equal(response.status, 404, await proxy.diagnostics());
  assert.equal(ha.received.length, before);
});

test('with the location uncommented, a directive goes through nginx and the daemon to Home Assistant and back unchanged; over 64 KB nginx answers 413', async () => {
  const proxy = await nginx(true);
  const body = directive();
  const response = await proxy.send({ method: 'POST', path: '/api/alexa/smart_home', headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' }, body });
  assert.equal(response.status, 200, await proxy.diagnostics());
  assert.equal(response.headers['content-type'], HA_CONTENT_TYPE);
  assert.equal(response.body, HA_ANSWER.toString('utf8'));
  const arrived = ha.directives().at(-1)!;
  assert.deepEqual(arrived.body, body);
  assert.equal(arrived.headers.authorization, `Bearer ${HA_TOKEN}`);

  const count = ha.received.length;
  const big = await proxy.send({ method: 'POST', path: '/api/alexa/smart_home', headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' }, body: Buffer.alloc(65 * 1024, 0x20) });
  assert.equal(big.status, 413);
  assert.equal(ha.received.length, count);
});

test("nginx waits longer for the relay than the daemon's default smart_home_timeout (6.5 s), and less than Alexa's 8 s", async () => {
  const shipped = await readFile(SHIPPED_CONF, 'utf8');
  const block = /# location = \/api\/alexa\/smart_home \{([\s\S]*?)# \}/.exec(shipped)?.[1] ?? '';
  const timeout = /proxy_read_timeout\s+(\d+)(ms|s);/.exec(block);
  assert.ok(timeout, 'the relay location sets proxy_read_timeout');
  const ms = Number(timeout[1]) * (timeout[2] === 's' ? 1000 : 1);
  assert.ok(ms > 6500 && ms < 8000, `proxy_read_timeout ${ms} ms`);
});
