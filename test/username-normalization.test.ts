// Issue 9 item 3: Home Assistant's login treats `Alice`, `alice` and ` ALICE ` as one user
// (homeassistant/auth/providers/homeassistant.py: `username.strip().casefold()`). The bridge
// normalizes the same way, NFKC first (full-width look-alikes), for identity, allow-lists, the
// sign-in limits and local users.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalizeUsername } from '../src/auth/username.ts';
import { PASSWORD, tempDir } from './helpers/bridge.ts';
import { assertFailedWithOneLine, runCli } from './helpers/cli.ts';
import { cliOk } from './helpers/daemon-process.ts';
import { authorizeQuery, getPage, submitConsent } from './helpers/http.ts';
import { exchange, introspect, seededBridge, tokensOf } from './helpers/oauth.ts';
import { fakeSupervisor, HA_PASSWORD, supervisorEnv } from './helpers/supervisor.ts';

const SPELLINGS = ['alice', 'Alice', ' ALICE ', 'ａｌｉｃｅ', 'ＡＬＩＣＥ'];

async function signInAs(base: string, username: string, password: string): Promise<Response> {
  return submitConsent(base, await getPage(base, authorizeQuery()), { username, password });
}

/** Links as `username` and returns what introspection says about the access token. */
async function linkAs(base: string, username: string, password: string): Promise<Record<string, unknown>> {
  const response = await signInAs(base, username, password);
  assert.equal(response.status, 303, `signing in as ${JSON.stringify(username)}: ${response.status} ${await response.text()}`);
  const code = new URL(response.headers.get('location')!).searchParams.get('code')!;
  const { access } = tokensOf(await exchange(base, code));
  return (await introspect(base, access)).json;
}

test('normalization: NFKC, then trim, then case-fold (ß → ss as Python’s casefold())', () => {
  for (const spelling of SPELLINGS) assert.equal(normalizeUsername(spelling), 'alice');
  assert.equal(normalizeUsername('Strauß'), 'strauss');
  assert.equal(normalizeUsername('ﬁona'), 'fiona');
});

test('local users: every spelling signs in as the one user, and introspection reports one username and sub', async (t) => {
  const bridge = await seededBridge(t);
  for (const spelling of SPELLINGS) {
    const answer = await linkAs(bridge.url, spelling, PASSWORD);
    assert.equal(answer['username'], 'alice', spelling);
    assert.equal(answer['sub'], 'alice', spelling);
  }
  assert.deepEqual(new Set([...bridge.daemon.context.store.grants.values()].map((grant) => grant.username)), new Set(['alice']));
});

test('Home Assistant sign-in: allowed_users=alice lets `Alice` in, and every spelling is one identity', async (t) => {
  const supervisor = await fakeSupervisor(t);
  const bridge = await seededBridge(t, { env: { ...supervisorEnv(supervisor.url), BRIDGE_ALLOWED_USERS: 'alice' } });
  for (const spelling of ['Alice', ' ALICE ', 'ａｌｉｃｅ']) {
    const answer = await linkAs(bridge.url, spelling, HA_PASSWORD);
    assert.equal(answer['username'], 'alice', spelling);
  }
  // The Supervisor is asked with the normalized name.
  assert.deepEqual(new Set(supervisor.requests.map((request) => (request.body as { username: string }).username)), new Set(['alice']));
});

test('an allow-list written in another case or with spaces still matches', async (t) => {
  const bridge = await seededBridge(t, { env: { BRIDGE_ALLOWED_USERS: ' Alice , bob' } });
  assert.equal((await linkAs(bridge.url, 'alice', PASSWORD))['username'], 'alice');
});

test('the sign-in limit counts every spelling against the one user', async (t) => {
  const bridge = await seededBridge(t, { env: { BRIDGE_SIGN_IN_FAILURE_LIMIT: '5' } });
  for (const spelling of SPELLINGS) {
    const response = await signInAs(bridge.url, spelling, 'wrong password');
    await response.body?.cancel();
    assert.ok(response.status === 400 || response.status === 429, `${spelling}: ${response.status}`);
  }
  // Five failures spelled five ways: the pair is blocked, whatever the spelling of the next try.
  const blocked = await signInAs(bridge.url, 'Alice', PASSWORD);
  assert.equal(blocked.status, 429);
  assert.ok(Number(blocked.headers.get('retry-after')) > 0);
  await blocked.body?.cancel();
});

test('user add refuses a name that normalizes to an existing user, full-width look-alikes included; passwd and remove find it', async () => {
  const dataDir = await tempDir();
  assert.match(await cliOk(['user', 'add', 'Alice', '--password-stdin'], { dataDir, input: `${PASSWORD}\n` }), /alice/);
  for (const twin of ['alice', ' ALICE ', 'ａｌｉｃｅ']) {
    const result = await runCli(['user', 'add', twin, '--password-stdin'], { dataDir, input: `${PASSWORD}\n` });
    assertFailedWithOneLine(result, /user alice already exists/);
  }
  const users = JSON.parse(await cliOk(['user', 'list', '--json'], { dataDir })) as { username: string }[];
  assert.deepEqual(users.map((user) => user.username), ['alice']);
  await cliOk(['user', 'passwd', 'ＡＬＩＣＥ', '--password-stdin'], { dataDir, input: 'another long password\n' });
  await cliOk(['user', 'remove', 'Alice'], { dataDir });
  assert.deepEqual(JSON.parse(await cliOk(['user', 'list', '--json'], { dataDir })), []);
});
