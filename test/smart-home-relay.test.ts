// Issue 15: the smart-home relay. POST /api/alexa/smart_home with a bearer token of this bridge
// is carried to a stand-in Home Assistant on loopback that records what it received.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { servingProblem, loadConfig } from '../src/config/load.ts';
import { runDoctor } from '../src/doctor/doctor.ts';
import { startBridge, seedAlexa, type TestBridge } from './helpers/bridge.ts';
import { authorizeQuery, basic, link } from './helpers/http.ts';
import { addOtherClient, exchange, newCode, OTHER_CLIENT_ID, OTHER_CLIENT_SECRET, revoke, tokensOf } from './helpers/oauth.ts';
import { HA_ANSWER, HA_CONTENT_TYPE, HA_TOKEN, HomeAssistantStandIn } from './helpers/home-assistant-standin.ts';

/** What Home Assistant's Lambda posts: json.dumps(event), Python's ", " and ": " separators, the token inside. */
function directive(token: string): Buffer {
  return Buffer.from(
    `{"directive": {"header": {"namespace": "Alexa.PowerController", "name": "TurnOn", "payloadVersion": "3", "messageId": "1bd5d003-31b9-476f-ad03-71d471922820"}, ` +
      `"endpoint": {"scope": {"type": "BearerToken", "token": "${token}"}, "endpointId": "light#k\\u00fcche", "cookie": {}}, "payload": {}}}`,
  );
}

async function relayBridge(t: { after(fn: () => unknown): void }, ha: HomeAssistantStandIn, env: Record<string, string> = {}): Promise<TestBridge> {
  const bridge = await startBridge({
    env: {
      BRIDGE_SMART_HOME_CLIENTS: 'alexa-skill',
      BRIDGE_HOME_ASSISTANT_URL: ha.url,
      BRIDGE_HOME_ASSISTANT_TOKEN: HA_TOKEN,
      BRIDGE_SMART_HOME_TIMEOUT: '0.5',
      ...env,
    },
  });
  t.after(() => bridge.stop());
  await seedAlexa(bridge);
  return bridge;
}

async function standIn(t: { after(fn: () => unknown): void }): Promise<HomeAssistantStandIn> {
  const ha = await HomeAssistantStandIn.start();
  t.after(() => ha.stop());
  return ha;
}

function send(bridge: TestBridge, body: Buffer, headers: Record<string, string>): Promise<Response> {
  return fetch(`${bridge.url}/api/alexa/smart_home`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
}

test('off unless configured: the path answers 404 and nothing is relayed', async (t) => {
  const ha = await standIn(t);
  const bridge = await startBridge({ env: { BRIDGE_HOME_ASSISTANT_URL: ha.url, BRIDGE_HOME_ASSISTANT_TOKEN: HA_TOKEN } });
  t.after(() => bridge.stop());
  await seedAlexa(bridge);
  const { access_token } = await link(bridge.url);
  const response = await send(bridge, directive(access_token), { authorization: `Bearer ${access_token}` });
  assert.equal(response.status, 404);
  assert.equal(ha.received.length, 0);
});

test("a directive reaches Home Assistant byte for byte with the bridge's credential, never the Alexa token; the answer comes back unchanged", async (t) => {
  const ha = await standIn(t);
  const bridge = await relayBridge(t, ha);
  const { access_token } = await link(bridge.url);
  const body = directive(access_token);
  // Twice and concurrently: each arrives once, whole.
  const responses = await Promise.all([1, 2].map(() => send(bridge, body, { authorization: `Bearer ${access_token}` })));
  for (const response of responses) {
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), HA_CONTENT_TYPE);
    assert.equal(response.headers.get('set-cookie'), null, "Home Assistant's other headers stay home");
    assert.deepEqual(Buffer.from(await response.arrayBuffer()), HA_ANSWER);
  }
  const arrived = ha.directives();
  assert.equal(arrived.length, 2);
  for (const request of arrived) {
    assert.deepEqual(request.body, body);
    assert.equal(request.headers.authorization, `Bearer ${HA_TOKEN}`);
    assert.equal(request.headers['content-type'], 'application/json');
    for (const [name, value] of Object.entries(request.headers)) assert.ok(!String(value).includes(access_token), `header ${name} carries the Alexa token`);
  }
  // The scheme is case-insensitive (RFC 6750 §2.1 via RFC 7235 §2.1).
  assert.equal((await send(bridge, body, { authorization: `bearer ${access_token}` })).status, 200);

  // One access line per directive, with the client, without the body or any token.
  const lines = bridge.logs.filter((line) => line['msg'] === 'request' && line['path'] === '/api/alexa/smart_home');
  assert.equal(lines.length, 3);
  assert.equal(lines[0]!['status'], 200);
  assert.equal(lines[0]!['clientId'], 'alexa-skill');
  const text = bridge.logText();
  for (const secret of [access_token, HA_TOKEN, 'PowerController']) assert.ok(!text.includes(secret), `the log holds ${secret}`);

  // The linked account's flow shows its first directive, once.
  const flows = bridge.daemon.context.store.flows.toArray();
  const steps = flows.flatMap((flow) => flow.steps.filter((step) => step.kind === 'directive'));
  assert.equal(steps.length, 1);
  assert.equal(steps[0]!.note, 'Home Assistant answered 200');
});

test('a missing, unknown, revoked, expired or refresh token, or a client not allowed, is refused with 401 before anything is forwarded', async (t) => {
  const ha = await standIn(t);
  const bridge = await relayBridge(t, ha);
  await addOtherClient(bridge);
  const kept = await link(bridge.url);
  const revoked = await link(bridge.url);
  assert.equal((await revoke(bridge.url, revoked.refresh_token)).status, 200);
  const other = tokensOf(
    await exchange(bridge.url, await newCode(bridge.url, { client_id: OTHER_CLIENT_ID }), {}, basic(OTHER_CLIENT_ID, OTHER_CLIENT_SECRET)),
  );

  const missing = await send(bridge, directive('x'), {});
  assert.equal(missing.status, 401);
  assert.equal(missing.headers.get('www-authenticate'), 'Bearer realm="alexa-oauth-bridge"');
  assert.equal(((await missing.json()) as Record<string, unknown>)['error'], 'invalid_request');

  const refusedTokens: Record<string, string> = {
    unknown: 'not-a-token-of-this-bridge',
    revoked: revoked.access_token,
    'refresh token': kept.refresh_token,
    'client not in smart_home_clients': other.access,
  };
  for (const [what, token] of Object.entries(refusedTokens)) {
    const response = await send(bridge, directive(token), { authorization: `Bearer ${token}` });
    assert.equal(response.status, 401, what);
    assert.equal(response.headers.get('www-authenticate'), 'Bearer realm="alexa-oauth-bridge", error="invalid_token"', what);
    assert.equal(((await response.json()) as Record<string, unknown>)['error'], 'invalid_token', what);
  }
  // Another scheme is no bearer token.
  assert.equal((await send(bridge, directive('x'), basic())).status, 401);

  // Expired: the access token lives access_token_ttl (3600 s).
  bridge.clock.advance(3601);
  const expired = await send(bridge, directive(kept.access_token), { authorization: `Bearer ${kept.access_token}` });
  assert.equal(expired.status, 401);
  assert.equal(ha.received.length, 0, 'nothing reached Home Assistant');
});

test('Home Assistant failing: 500 comes back as it is, a hang is 504 after smart_home_timeout, unreachable or refusing the bridge is 502', async (t) => {
  const ha = await standIn(t);
  const bridge = await relayBridge(t, ha);
  const { access_token } = await link(bridge.url);
  const auth = { authorization: `Bearer ${access_token}` };

  ha.mode = 'error-500';
  const failed = await send(bridge, directive(access_token), auth);
  assert.equal(failed.status, 500);
  assert.equal(failed.headers.get('content-type'), 'text/plain; charset=utf-8');
  assert.match(await failed.text(), /Server got itself in trouble/);

  // smart_home_timeout is 0.5 s here; the assertion allows a loaded machine 10 times that.
  ha.mode = 'hang';
  const started = performance.now();
  const hung = await send(bridge, directive(access_token), auth);
  const ms = performance.now() - started;
  assert.equal(hung.status, 504);
  assert.deepEqual(await hung.json(), { error: 'home_assistant_timeout', error_description: 'Home Assistant did not answer within 0.5 s' });
  assert.ok(ms >= 450 && ms < 5000, `answered after ${ms} ms`);

  // 401 from Home Assistant is about the bridge's credential: passed on, the Lambda would tell Alexa the user's link is bad.
  ha.mode = 'refuse-token';
  const refused = await send(bridge, directive(access_token), auth);
  assert.equal(refused.status, 502);
  assert.equal(((await refused.json()) as Record<string, unknown>)['error'], 'home_assistant_refused_bridge');

  await ha.stop();
  const down = await send(bridge, directive(access_token), auth);
  assert.equal(down.status, 502);
  assert.equal(((await down.json()) as Record<string, unknown>)['error'], 'home_assistant_unreachable');
  assert.ok(!bridge.logText().includes(HA_TOKEN));
});

test('a body over 64 KiB is refused with 413 and not forwarded', async (t) => {
  const ha = await standIn(t);
  const bridge = await relayBridge(t, ha);
  const { access_token } = await link(bridge.url);
  const response = await send(bridge, Buffer.alloc(64 * 1024 + 1, 0x20), { authorization: `Bearer ${access_token}` });
  assert.equal(response.status, 413);
  assert.equal(ha.received.length, 0);
});

test('directives count against the per-client rate limit: 429 with Retry-After once it is reached', async (t) => {
  const ha = await standIn(t);
  // The code exchange takes one of the client's 4.
  const bridge = await relayBridge(t, ha, { BRIDGE_CLIENT_REQUESTS_PER_MINUTE: '4' });
  const { access_token } = await link(bridge.url, authorizeQuery());
  const statuses: number[] = [];
  for (let i = 0; i < 4; i++) {
    const response = await send(bridge, directive(access_token), { authorization: `Bearer ${access_token}` });
    statuses.push(response.status);
    if (response.status === 429) assert.ok(Number(response.headers.get('retry-after')) > 0);
  }
  assert.deepEqual(statuses, [200, 200, 200, 429]);
  assert.equal(ha.directives().length, 3);
});

test('doctor: Home Assistant answers and its alexa: smart_home: is configured, or says what is missing', async (t) => {
  const ha = await standIn(t);
  const bridge = await relayBridge(t, ha);
  const byId = async (context = bridge.daemon.context) => Object.fromEntries((await runDoctor(context, { timeoutMs: 3000 })).checks.map((c) => [c.id, c]));
  let checks = await byId();
  assert.equal(checks['smart-home-clients']?.status, 'pass');
  assert.equal(checks['smart-home-reach']?.status, 'pass');
  assert.equal(checks['smart-home-alexa']?.status, 'pass');
  assert.equal(ha.directives().length, 0, 'doctor sends no directive');

  ha.mode = 'not-configured';
  checks = await byId();
  assert.equal(checks['smart-home-alexa']?.status, 'fail');
  assert.match(checks['smart-home-alexa']!.fix!, /alexa:.*smart_home:/);

  ha.mode = 'refuse-token';
  checks = await byId();
  assert.equal(checks['smart-home-reach']?.status, 'fail');
  assert.equal(checks['smart-home-alexa'], undefined);

  const closed = await freePort();
  const unreachable = { ...bridge.daemon.context, config: { ...bridge.config, homeAssistantUrl: `http://127.0.0.1:${closed}`, smartHomeClients: ['alexa-skill', 'nobody'] } };
  checks = await byId(unreachable);
  assert.equal(checks['smart-home-reach']?.status, 'fail');
  assert.match(checks['smart-home-reach']!.message, /connection refused/);
  assert.equal(checks['smart-home-clients']?.status, 'warn');
  assert.ok(!JSON.stringify(checks).includes(HA_TOKEN));
});

test('the relay turned on without a Home Assistant to relay to is a start-up problem', () => {
  const base = { BRIDGE_SMART_HOME_CLIENTS: 'alexa-skill', BRIDGE_DATA_DIR: '/tmp/x' };
  assert.match(servingProblem(loadConfig({ env: base })) ?? '', /no Home Assistant to relay to/);
  assert.match(servingProblem(loadConfig({ env: { ...base, BRIDGE_HOME_ASSISTANT_URL: 'http://127.0.0.1:8123' } })) ?? '', /without home_assistant_token/);
  assert.equal(servingProblem(loadConfig({ env: { ...base, BRIDGE_HOME_ASSISTANT_URL: 'http://127.0.0.1:8123', BRIDGE_HOME_ASSISTANT_TOKEN: HA_TOKEN } })), undefined);
  // In the add-on, the Supervisor's proxy.
  assert.equal(servingProblem(loadConfig({ env: { ...base, SUPERVISOR_TOKEN: 'supervisor-token' } })), undefined);
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
