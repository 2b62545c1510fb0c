import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CLIENT_ID, seedAlexa, startBridge, USERNAME, type TestBridge } from './helpers/bridge.ts';
import { authorizeQuery, basic, getPage, link, postForm, submitConsent, tokenRequest } from './helpers/http.ts';

const LIMITS = {
  BRIDGE_SIGN_IN_FAILURE_LIMIT: '3',
  BRIDGE_SIGN_IN_BLOCK_SECONDS: '60',
  BRIDGE_SIGN_IN_DAILY_FAILURE_LIMIT: '7',
  BRIDGE_API_REQUESTS_PER_MINUTE: '8',
  BRIDGE_CLIENT_REQUESTS_PER_MINUTE: '5',
  BRIDGE_CLIENT_AUTH_FAILURE_LIMIT: '3',
};

async function limitedBridge(t: { after(fn: () => Promise<void>): void }): Promise<TestBridge> {
  const bridge = await startBridge({ env: LIMITS });
  t.after(() => bridge.stop());
  await seedAlexa(bridge);
  return bridge;
}

async function signInAs(bridge: TestBridge, username: string, password: string): Promise<Response> {
  const page = await getPage(bridge.url, authorizeQuery());
  return submitConsent(bridge.url, page, { username, password });
}

test('consecutive failed sign-ins block the username+address pair, and the page says when to retry', async (t) => {
  const bridge = await limitedBridge(t);
  for (let i = 0; i < 2; i++) assert.equal((await signInAs(bridge, USERNAME, 'wrong password')).status, 400);
  const third = await signInAs(bridge, USERNAME, 'wrong password');
  assert.equal(third.status, 429);
  assert.equal(third.headers.get('retry-after'), '60');
  assert.match(await third.text(), /Too many failed sign-ins\. Try again in 60 seconds\./);
  // Even the right password is refused while the block lasts: the block is not a password oracle.
  const right = await signInAs(bridge, USERNAME, 'correct horse battery');
  assert.equal(right.status, 429);
});

test('an unknown username is blocked exactly like a known one', async (t) => {
  const bridge = await limitedBridge(t);
  const known: number[] = [];
  const unknown: number[] = [];
  for (let i = 0; i < 3; i++) {
    known.push((await signInAs(bridge, USERNAME, 'nope-nope')).status);
    unknown.push((await signInAs(bridge, 'nobody-here', 'nope-nope')).status);
  }
  assert.deepEqual(known, [400, 400, 429]);
  assert.deepEqual(unknown, known);
});

test('each further block of the same pair lasts twice as long', async (t) => {
  const bridge = await startBridge({ env: { ...LIMITS, BRIDGE_SIGN_IN_BLOCK_SECONDS: '1', BRIDGE_SIGN_IN_DAILY_FAILURE_LIMIT: '100' } });
  t.after(() => bridge.stop());
  await seedAlexa(bridge);
  const waits: string[] = [];
  for (let round = 0; round < 3; round++) {
    let last: Response | undefined;
    for (let i = 0; i < 3; i++) last = await signInAs(bridge, 'carol', 'wrong-wrong');
    assert.equal(last!.status, 429);
    waits.push(last!.headers.get('retry-after')!);
    // The limiter keeps real time: the block is waited out.
    await new Promise((resolve) => setTimeout(resolve, Number(waits.at(-1)) * 1000 + 100));
  }
  assert.deepEqual(waits, ['1', '2', '4']);
});

test('a success forgives earlier failures of the pair', async (t) => {
  const bridge = await limitedBridge(t);
  assert.equal((await signInAs(bridge, USERNAME, 'wrong-wrong')).status, 400);
  assert.equal((await signInAs(bridge, USERNAME, 'wrong-wrong')).status, 400);
  assert.equal((await signInAs(bridge, USERNAME, 'correct horse battery')).status, 303);
  assert.equal((await signInAs(bridge, USERNAME, 'wrong-wrong')).status, 400);
  assert.equal((await signInAs(bridge, USERNAME, 'wrong-wrong')).status, 400);
});

test('failures per address per day block the address whatever the username', async (t) => {
  const bridge = await limitedBridge(t);
  const statuses: number[] = [];
  for (let i = 0; i < 8; i++) statuses.push((await signInAs(bridge, `user${i}`, 'wrong-wrong')).status);
  assert.deepEqual(statuses, [400, 400, 400, 400, 400, 400, 429, 429]);
  const blocked = await signInAs(bridge, USERNAME, 'correct horse battery');
  assert.equal(blocked.status, 429);
  assert.match(await blocked.text(), /Try again in 24 hours/);
});

test('the token endpoint limits bursts per address with 429, Retry-After, RateLimit-* and a JSON error', async (t) => {
  const bridge = await startBridge({ env: { ...LIMITS, BRIDGE_CLIENT_REQUESTS_PER_MINUTE: '100' } });
  t.after(() => bridge.stop());
  await seedAlexa(bridge);
  const statuses: number[] = [];
  let last: Awaited<ReturnType<typeof tokenRequest>> | undefined;
  for (let i = 0; i < 9; i++) {
    last = await tokenRequest(bridge.url, { grant_type: 'refresh_token', refresh_token: 'unknown' });
    statuses.push(last.status);
  }
  assert.deepEqual(statuses.slice(0, 8), Array(8).fill(400));
  assert.equal(last!.status, 429);
  assert.equal(last!.json['error'], 'temporarily_unavailable');
  assert.ok(Number(last!.headers.get('retry-after')) > 0);
  assert.equal(last!.headers.get('ratelimit-limit'), '8');
  assert.equal(last!.headers.get('ratelimit-remaining'), '0');
  assert.ok(Number(last!.headers.get('ratelimit-reset')) > 0);
  assert.equal(last!.headers.get('cache-control'), 'no-store');
});

test('failed client authentications block the address, even for correct credentials afterwards', async (t) => {
  const bridge = await limitedBridge(t);
  for (let i = 0; i < 3; i++) {
    const failed = await tokenRequest(bridge.url, { grant_type: 'refresh_token', refresh_token: 'x' }, basic(CLIENT_ID, 'wrong-secret-0123456789'));
    assert.equal(failed.status, 401);
  }
  const blocked = await tokenRequest(bridge.url, { grant_type: 'refresh_token', refresh_token: 'x' });
  assert.equal(blocked.status, 429);
  assert.equal(blocked.json['error'], 'temporarily_unavailable');
});

test('an authenticated client has its own budget, spent only by its authenticated requests', async (t) => {
  const bridge = await limitedBridge(t);
  const tokens = await link(bridge.url);
  const statuses: number[] = [];
  for (let i = 0; i < 5; i++) {
    const response = await postForm(`${bridge.url}/alexa/introspect`, new URLSearchParams({ token: tokens.access_token }), basic());
    statuses.push(response.status);
  }
  // The code exchange spent one of five: the fifth introspection is over the client's limit.
  assert.deepEqual(statuses, [200, 200, 200, 200, 429]);
});

test('/health is never limited', async (t) => {
  const bridge = await limitedBridge(t);
  for (let i = 0; i < 30; i++) assert.equal((await fetch(`${bridge.url}/health`)).status, 200);
});
