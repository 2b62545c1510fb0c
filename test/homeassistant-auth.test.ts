import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { PASSWORD, USERNAME } from './helpers/bridge.ts';
import { freePort } from './helpers/cli.ts';
import { authorizeQuery, getPage, submitConsent } from './helpers/http.ts';
import { exchange, seededBridge, tokensOf } from './helpers/oauth.ts';
import { HA_PASSWORD, SUPERVISOR_TOKEN, fakeSupervisor, supervisorEnv, type FakeSupervisor } from './helpers/supervisor.ts';

/** A bridge whose consent page asks the Supervisor at `supervisorUrl`. */
function haBridge(t: TestContext, supervisorUrl: string, env: Record<string, string> = {}) {
  return seededBridge(t, { env: { ...supervisorEnv(supervisorUrl), ...env } });
}

async function signIn(base: string, password = HA_PASSWORD): Promise<{ response: Response; html: string }> {
  const response = await submitConsent(base, await getPage(base, authorizeQuery()), { password });
  return { response, html: response.status === 303 ? '' : await response.text() };
}

async function assertCouldNotAsk(base: string): Promise<void> {
  const { response, html } = await signIn(base);
  assert.equal(response.status, 503);
  assert.equal(response.headers.get('location'), null);
  assert.match(html, /Home Assistant could not be asked/);
  assert.match(html, /<form method="post"/);
  const health = await fetch(`${base}/health`);
  assert.equal(health.status, 200);
  assert.equal(((await health.json()) as { status: string }).status, 'ok');
}

test('the right Home Assistant password links the account', async (t) => {
  const supervisor = await fakeSupervisor(t);
  const bridge = await haBridge(t, supervisor.url);
  const { response } = await signIn(bridge.url);
  assert.equal(response.status, 303);
  const code = new URL(response.headers.get('location')!).searchParams.get('code')!;
  tokensOf(await exchange(bridge.url, code));
});

test('a wrong Home Assistant password (even the local user’s) shows the page again with 400', async (t) => {
  const supervisor = await fakeSupervisor(t);
  const bridge = await haBridge(t, supervisor.url);
  const { response, html } = await signIn(bridge.url, PASSWORD);
  assert.equal(response.status, 400);
  assert.equal(response.headers.get('location'), null);
  assert.match(html, /<p class="error"/);
  assert.doesNotMatch(html, /could not be asked/);
});

test('the Supervisor is asked with X-Supervisor-Token, JSON credentials and no Authorization header', async (t) => {
  const supervisor = await fakeSupervisor(t);
  const bridge = await haBridge(t, supervisor.url);
  await signIn(bridge.url);
  assert.equal(supervisor.requests.length, 1);
  const [{ headers, body }] = supervisor.requests as [FakeSupervisor['requests'][number]];
  assert.equal(headers['x-supervisor-token'], SUPERVISOR_TOKEN);
  // The Supervisor parses any Authorization header as Basic credentials.
  assert.equal(headers['authorization'], undefined);
  assert.match(headers['content-type'] ?? '', /^application\/json/);
  assert.deepEqual(body, { username: USERNAME, password: HA_PASSWORD });
});

test('a Supervisor answering 500 gives a 503 page saying Home Assistant could not be asked; the daemon stays healthy', async (t) => {
  const supervisor = await fakeSupervisor(t);
  supervisor.failWith = 500;
  const bridge = await haBridge(t, supervisor.url);
  await assertCouldNotAsk(bridge.url);
});

test('a Supervisor that does not listen gives the same 503 page', async (t) => {
  // A port that was free a moment ago: nothing listens there.
  const bridge = await haBridge(t, `http://127.0.0.1:${await freePort()}`);
  await assertCouldNotAsk(bridge.url);
});

test('the allow-list applies to Home Assistant users', async (t) => {
  const supervisor = await fakeSupervisor(t);
  const bridge = await haBridge(t, supervisor.url, { BRIDGE_ALLOWED_USERS: 'bob' });
  const { response, html } = await signIn(bridge.url);
  assert.equal(supervisor.requests.length, 1);
  assert.equal(response.status, 400);
  assert.equal(response.headers.get('location'), null);
  assert.match(html, /<p class="error"/);
});
