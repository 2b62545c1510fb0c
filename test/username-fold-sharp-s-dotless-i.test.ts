// Reviewer's attack on issue 9 item 3: user names in every Unicode spelling. Upper- then
// lower-casing once is not Python's casefold(): capital sharp S `ẞ` came out as `ß`, which is
// itself folded on to `ss`, so `STRAẞE` and `Straße` were two sign-in limit counters and an
// allow-list entry `STRAẞE` refused its own user; and dotless `ı` (Turkish) was folded to `i`,
// so the Supervisor was asked about another Home Assistant user (`kadin` for `kadın`).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalizeUsername } from '../src/auth/username.ts';
import { addUser } from '../src/services/users.ts';
import { authorizeQuery, getPage, submitConsent } from './helpers/http.ts';
import { exchange, introspect, seededBridge, tokensOf } from './helpers/oauth.ts';
import { fakeSupervisor, supervisorEnv } from './helpers/supervisor.ts';

const STRASSE_PASSWORD = 'a long password for strasse';

async function signInAs(base: string, username: string, password: string): Promise<Response> {
  return submitConsent(base, await getPage(base, authorizeQuery()), { username, password });
}

test('a normalized name normalizes to itself, for every code point', () => {
  const failures: string[] = [];
  for (let code = 0; code <= 0x10ffff; code++) {
    if (code >= 0xd800 && code < 0xe000) continue;
    const once = normalizeUsername(String.fromCodePoint(code));
    if (normalizeUsername(once) !== once) failures.push(code.toString(16));
  }
  assert.deepEqual(failures, []);
});

test('the spellings Python’s casefold() makes one name are one name; dotless ı stays apart from i', () => {
  for (const spelling of ['STRAẞE', 'Straße', 'strasse', 'STRASSE', ' ｓｔｒａßｅ ']) assert.equal(normalizeUsername(spelling), 'strasse', spelling);
  // Folding has no final-sigma context: the Greek name ends in σ however it was typed.
  for (const spelling of ['ΟΔΟΣ', 'οδος', 'οδοσ']) assert.equal(normalizeUsername(spelling), 'οδοσ', spelling);
  assert.equal(normalizeUsername('İstanbul'), 'i\u0307stanbul');
  assert.equal(normalizeUsername('kadın'), 'kadın');
  assert.equal(normalizeUsername('KADIN'), 'kadin');
  assert.equal(normalizeUsername('e\u0301mile'), 'émile');
});

test('capital sharp S: one user, one limit counter, and an allow-list entry spelled STRAẞE lets them in', async (t) => {
  const bridge = await seededBridge(t, { env: { BRIDGE_ALLOWED_USERS: 'STRAẞE', BRIDGE_SIGN_IN_FAILURE_LIMIT: '2' } });
  assert.deepEqual(await addUser(bridge.daemon.context, 'STRAẞE', STRASSE_PASSWORD), { added: 'strasse' });

  const response = await signInAs(bridge.url, 'Straße', STRASSE_PASSWORD);
  assert.equal(response.status, 303, await response.text());
  const code = new URL(response.headers.get('location')!).searchParams.get('code')!;
  const { access } = tokensOf(await exchange(bridge.url, code));
  const answer = (await introspect(bridge.url, access)).json;
  assert.equal(answer['username'], 'strasse');
  assert.equal(answer['sub'], 'strasse');

  // Two failures spelled two ways take the pair's two points: the second is answered with the
  // block, and so is the next try, whatever its spelling.
  for (const [spelling, status] of [['STRAẞE', 400], ['Straße', 429]] as const) {
    const failed = await signInAs(bridge.url, spelling, 'wrong password');
    assert.equal(failed.status, status, spelling);
    await failed.body?.cancel();
  }
  const blocked = await signInAs(bridge.url, 'STRAẞE', STRASSE_PASSWORD);
  assert.equal(blocked.status, 429);
  await blocked.body?.cancel();
});

test('Home Assistant sign-in: the Supervisor is asked about kadın, not about the other user kadin', async (t) => {
  const supervisor = await fakeSupervisor(t);
  const bridge = await seededBridge(t, { env: supervisorEnv(supervisor.url) });
  const response = await signInAs(bridge.url, 'kadın', 'her home assistant password');
  await response.body?.cancel();
  assert.deepEqual(supervisor.requests.map((request) => (request.body as { username: string }).username), ['kadın']);
});
