// Regression for issue 11 item 2: a burst of simultaneous sign-ins used to pass the limit check
// together (the failure was counted after scrypt), fill libuv's thread pool and starve the
// journal's fsync, so refreshes waited for seconds. Timing assumption, said explicitly: on a loaded
// 2-core machine a refresh answers well inside Alexa's 4.5 s when nothing starves it; the bound is
// that deadline, not a tight one.
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { test } from 'node:test';
import { seedAlexa, startBridge, USERNAME, PASSWORD, type TestBridge } from './helpers/bridge.ts';
import { settleRaw, type RawResponse } from './helpers/daemon-process.ts';
import { authorizeQuery, getPage, link, submitConsent, type Page } from './helpers/http.ts';
import { refresh } from './helpers/oauth.ts';

async function bridgeWith(t: { after(fn: () => Promise<void>): void }, env: Record<string, string>): Promise<TestBridge> {
  const bridge = await startBridge({ env: { BRIDGE_LOG_LEVEL: 'warn', ...env } });
  t.after(() => bridge.stop());
  await seedAlexa(bridge);
  return bridge;
}

/** The consent form posted from a chosen loopback source address (127.0.0.0/8 is all this machine's). */
function signInFrom(bridge: TestBridge, page: Page, source: string, username: string, password: string): Promise<RawResponse> {
  const url = new URL(bridge.url);
  const body = new URLSearchParams({ ...page.hidden, username, password, decision: 'approve' }).toString();
  return settleRaw(
    httpRequest({
      host: url.hostname,
      port: url.port,
      method: 'POST',
      path: '/alexa/authorize',
      localAddress: source,
      agent: false,
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: page.cookie, 'content-length': Buffer.byteLength(body) },
    }),
    { body, timeoutMs: 60_000 },
  );
}

function countBy<T>(items: readonly T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}

test('300 simultaneous guesses from one address: only the limit are checked, and the right password at #250 is refused', async (t) => {
  const bridge = await bridgeWith(t, { BRIDGE_SIGN_IN_FAILURE_LIMIT: '5', BRIDGE_LOG_LEVEL: 'info' });
  const page = await getPage(bridge.url, authorizeQuery());
  const answers = await Promise.all(
    Array.from({ length: 300 }, (_, i) => submitConsent(bridge.url, page, { password: i === 249 ? PASSWORD : `wrong guess ${i}` })),
  );
  const statuses = answers.map((answer) => answer.status);
  t.diagnostic(`statuses: ${JSON.stringify(countBy(statuses, String))}`);
  assert.notEqual(statuses[249], 303, 'the right password inside the burst must not be accepted');
  // The checked ones answer 400, or 429 once the block has started; the rest are refused unchecked.
  assert.deepEqual([...new Set(statuses)].filter((status) => status !== 400 && status !== 429), []);
  const checked = bridge.logs.filter((line) => String(line['detail'] ?? '').startsWith('sign-in failed for'));
  assert.equal(checked.length, 5, 'exactly the limit of attempts had their password checked');
  const refused = answers.find((answer) => answer.status === 429)!;
  // The 60 s block started when the fifth attempt was counted; on a loaded machine a few seconds
  // may pass before a refusal is written, so the wait is counted down from there.
  const wait = Number(refused.headers.get('retry-after'));
  assert.ok(wait > 50 && wait <= 60, `Retry-After ${wait}`);
});

test('a per-username limit holds whatever the address: guesses spread over many addresses are blocked', async (t) => {
  const bridge = await bridgeWith(t, {
    BRIDGE_SIGN_IN_FAILURE_LIMIT: '100',
    BRIDGE_SIGN_IN_DAILY_FAILURE_LIMIT: '100',
    BRIDGE_SIGN_IN_USERNAME_DAILY_FAILURE_LIMIT: '4',
  });
  const page = await getPage(bridge.url, authorizeQuery());
  const statuses: number[] = [];
  for (let i = 2; i <= 7; i++) statuses.push((await signInFrom(bridge, page, `127.0.0.${i}`, USERNAME, 'wrong-wrong')).status);
  assert.deepEqual(statuses, [400, 400, 400, 429, 429, 429]);
  // The right password from an address never seen is refused while the username is blocked...
  const right = await signInFrom(bridge, page, '127.0.0.9', USERNAME, PASSWORD);
  assert.equal(right.status, 429);
  assert.match(String(right.headers['retry-after']), /^\d+$/);
  assert.ok(Number(right.headers['retry-after']) > 60, 'the username stays blocked for the rest of its day');
  assert.match(right.body, /Too many failed sign-ins/);
  // ...the username is matched as sign-in matches it (case, spaces, NFKC), and other usernames from the same addresses go on.
  for (const variant of [USERNAME.toUpperCase(), ` ${USERNAME} `, 'ａｌｉｃｅ']) {
    assert.equal((await signInFrom(bridge, page, '127.0.0.10', variant, 'wrong-wrong')).status, 429, JSON.stringify(variant));
  }
  assert.equal((await signInFrom(bridge, page, '127.0.0.2', 'bob', 'wrong-wrong')).status, 400);
});

test('100 simultaneous wrong sign-ins: the password checks queue is bounded (503 at once), and refreshes running every 200 ms stay well inside 4.5 s', async (t) => {
  const bridge = await bridgeWith(t, {
    BRIDGE_SIGN_IN_FAILURE_LIMIT: '100000',
    BRIDGE_SIGN_IN_DAILY_FAILURE_LIMIT: '100000',
    BRIDGE_SIGN_IN_USERNAME_DAILY_FAILURE_LIMIT: '100000',
    BRIDGE_API_REQUESTS_PER_MINUTE: '100000',
    BRIDGE_CLIENT_REQUESTS_PER_MINUTE: '100000',
  });
  let refreshToken = (await link(bridge.url)).refresh_token;
  const page = await getPage(bridge.url, authorizeQuery());

  const latencies: number[] = [];
  let flooding = true;
  const refreshes = (async () => {
    while (flooding || latencies.length < 5) {
      const started = performance.now();
      const reply = await refresh(bridge.url, refreshToken);
      latencies.push(performance.now() - started);
      assert.equal(reply.status, 200, `refresh answered ${reply.status} ${JSON.stringify(reply.json)}`);
      refreshToken = reply.json['refresh_token'] as string;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  })();
  const signIns = await Promise.all(
    Array.from({ length: 100 }, (_, i) => submitConsent(bridge.url, page, { username: `guess${i % 7}`, password: `wrong guess ${i}` })),
  );
  flooding = false;
  await refreshes;

  const statuses = countBy(signIns.map((answer) => answer.status), String);
  t.diagnostic(`sign-in statuses ${JSON.stringify(statuses)}; refresh latencies ms: max ${Math.max(...latencies).toFixed(0)} of ${latencies.length}`);
  assert.deepEqual(Object.keys(statuses).sort(), ['400', '503'], 'every sign-in is either checked (400) or refused at once (503)');
  // At most one check runs and sixteen wait: of 100 sent at once, most must be turned away.
  assert.ok(statuses['400']! <= 60, `${statuses['400']} sign-ins were checked`);
  const busy = signIns.find((answer) => answer.status === 503)!;
  assert.equal(busy.headers.get('retry-after'), '2');
  assert.match(await busy.text(), /Too many sign-ins are being checked right now\. Try again in 2 seconds\./);
  for (const ms of latencies) assert.ok(ms < 4500, `a refresh took ${ms.toFixed(0)} ms`);
});

test('a full password-check queue does not count against the person: the right password afterwards still works', async (t) => {
  const bridge = await bridgeWith(t, { BRIDGE_SIGN_IN_FAILURE_LIMIT: '3', BRIDGE_SIGN_IN_DAILY_FAILURE_LIMIT: '100000' });
  const page = await getPage(bridge.url, authorizeQuery());
  // Sixty different usernames, so no pair limit is reached: only the queue turns them away.
  const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => submitConsent(bridge.url, page, { username: `someone${i}`, password: 'x' })));
  assert.ok(answers.some((answer) => answer.status === 503));
  const right = await submitConsent(bridge.url, await getPage(bridge.url, authorizeQuery()), { username: USERNAME, password: PASSWORD });
  assert.equal(right.status, 303);
});
