import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CLIENT_ID, CLIENT_SECRET, PASSWORD, USERNAME, VENDOR_ID, startBridge, tempDir, type TestBridge } from './helpers/bridge.ts';
import { assertFailedWithOneLine, cliJson, runCli, type CliOptions } from './helpers/cli.ts';
import { authorizeQuery, basic, getPage, submitConsent } from './helpers/http.ts';
import { exchange, introspect, isActive, newCode, refresh, seededBridge, tokensOf } from './helpers/oauth.ts';
import { newId } from '../src/oauth/secrets.ts';

const regionalUris = (vendorId: string) => [
  `https://pitangui.amazon.com/api/skill/link/${vendorId}`,
  `https://layla.amazon.com/api/skill/link/${vendorId}`,
  `https://alexa.amazon.co.jp/api/skill/link/${vendorId}`,
];

interface ClientShown {
  client_id: string;
  type: string;
  redirect_uris: string[];
}

/** Whether the token endpoints accept these client credentials (introspection answers 200, else 401). */
async function authenticates(base: string, id: string, secret: string): Promise<boolean> {
  const { status } = await introspect(base, 'any-token', basic(id, secret));
  assert.ok(status === 200 || status === 401, `introspection answered ${status}`);
  return status === 200;
}

/** The consent post's status for these credentials: 303 signed in, 400 refused. */
async function signInStatus(base: string, username: string, password: string): Promise<number> {
  const response = await submitConsent(base, await getPage(base, authorizeQuery()), { username, password });
  await response.body?.cancel();
  return response.status;
}

/** A daemon in this process; the CLI reaches it through the data dir's control socket. */
async function runningDaemon(t: { after(fn: () => unknown): void }): Promise<{ bridge: TestBridge; cli: CliOptions }> {
  const bridge = await seededBridge(t);
  return { bridge, cli: { dataDir: bridge.dataDir } };
}

test('client add --alexa-vendor-id --json prints client_id and a generated secret and registers the three regional URIs', async (t) => {
  const dataDir = await tempDir();
  const added = await cliJson<Record<string, string>>(['client', 'add', CLIENT_ID, '--alexa-vendor-id', VENDOR_ID, '--json'], { dataDir });
  assert.deepEqual(Object.keys(added).sort(), ['client_id', 'client_secret']);
  assert.equal(added['client_id'], CLIENT_ID);
  assert.match(added['client_secret']!, /^[A-Za-z0-9_-]{43,}$/);
  const shown = await cliJson<ClientShown>(['client', 'show', CLIENT_ID, '--json'], { dataDir });
  assert.deepEqual([...shown.redirect_uris].sort(), regionalUris(VENDOR_ID).sort());
  assert.equal(shown.type, 'confidential');
  assert.equal(JSON.stringify(shown).includes(added['client_secret']!), false);
  const bridge = await startBridge({ dataDir });
  t.after(() => bridge.stop());
  assert.equal(await authenticates(bridge.url, CLIENT_ID, added['client_secret']!), true);
});

test('client add --secret S registers S as the secret', async (t) => {
  const dataDir = await tempDir();
  const added = await cliJson<Record<string, string>>(['client', 'add', CLIENT_ID, '--alexa-vendor-id', VENDOR_ID, '--secret', CLIENT_SECRET, '--json'], { dataDir });
  assert.equal(added['client_secret'], CLIENT_SECRET);
  const bridge = await startBridge({ dataDir });
  t.after(() => bridge.stop());
  assert.equal(await authenticates(bridge.url, CLIENT_ID, CLIENT_SECRET), true);
  assert.equal(await authenticates(bridge.url, CLIENT_ID, `${CLIENT_SECRET}x`), false);
});

test('client add --public registers a client without a secret', async () => {
  const dataDir = await tempDir();
  const added = await cliJson<Record<string, string>>(['client', 'add', 'phone-app', '--redirect-uri', 'https://app.example.test/cb', '--public', '--json'], { dataDir });
  assert.deepEqual(added, { client_id: 'phone-app' });
  assert.equal((await cliJson<ClientShown>(['client', 'show', 'phone-app', '--json'], { dataDir })).type, 'public');
});

test('client list prints an aligned table', async () => {
  const dataDir = await tempDir();
  await runCli(['client', 'add', 'a', '--alexa-vendor-id', VENDOR_ID, '--name', 'Music Skill'], { dataDir });
  await runCli(['client', 'add', 'a-much-longer-client-id', '--redirect-uri', 'https://app.example.test/cb', '--public'], { dataDir });
  const { code, stdout } = await runCli(['client', 'list'], { dataDir });
  assert.equal(code, 0);
  const [header, ...rows] = stdout.trimEnd().split('\n') as [string, ...string[]];
  assert.match(header, /^CLIENT_ID\s+TYPE\s+NAME/);
  assert.equal(rows.length, 2);
  const columnStarts = [...header.matchAll(/\S+/g)].map((match) => match.index);
  for (const row of rows) {
    for (const start of columnStarts.slice(1)) {
      assert.match(row.slice(start - 1, start + 1), /^ \S$/, `column at ${start} in ${JSON.stringify(row)}`);
    }
  }
});

test('client remove removes the client', async () => {
  const dataDir = await tempDir();
  await runCli(['client', 'add', CLIENT_ID, '--alexa-vendor-id', VENDOR_ID], { dataDir });
  assert.equal((await runCli(['client', 'remove', CLIENT_ID], { dataDir })).code, 0);
  assertFailedWithOneLine(await runCli(['client', 'show', CLIENT_ID], { dataDir }), new RegExp(CLIENT_ID));
});

test('client rotate-secret --keep-old 0 --json prints a new secret; the old one stops working at once on the running daemon', async (t) => {
  const { bridge, cli } = await runningDaemon(t);
  // The default overlap is covered by secret-rotation-overlap.test.ts.
  const rotated = await cliJson<Record<string, string>>(['client', 'rotate-secret', CLIENT_ID, '--keep-old', '0', '--json'], cli);
  assert.equal(rotated['client_id'], CLIENT_ID);
  assert.notEqual(rotated['client_secret'], CLIENT_SECRET);
  assert.equal(await authenticates(bridge.url, CLIENT_ID, CLIENT_SECRET), false);
  assert.equal(await authenticates(bridge.url, CLIENT_ID, rotated['client_secret']!), true);
});

test('user add --password-stdin adds a user who can sign in at once; user list --json lists them', async (t) => {
  const { bridge, cli } = await runningDaemon(t);
  assert.equal((await runCli(['user', 'add', 'bob', '--password-stdin'], { ...cli, input: 'bob password 123\n' })).code, 0);
  const users = await cliJson<{ username: string }[]>(['user', 'list', '--json'], cli);
  assert.deepEqual(users.map((user) => user.username).sort(), ['alice', 'bob']);
  assert.equal(await signInStatus(bridge.url, 'bob', 'bob password 123'), 303);
});

test('user passwd changes the password at once', async (t) => {
  const { bridge, cli } = await runningDaemon(t);
  assert.equal((await runCli(['user', 'passwd', USERNAME, '--password-stdin'], { ...cli, input: 'a new password 456' })).code, 0);
  assert.equal(await signInStatus(bridge.url, USERNAME, PASSWORD), 400);
  assert.equal(await signInStatus(bridge.url, USERNAME, 'a new password 456'), 303);
});

test('user remove removes the user at once', async (t) => {
  const { bridge, cli } = await runningDaemon(t);
  assert.equal((await runCli(['user', 'remove', USERNAME], cli)).code, 0);
  assert.equal(await signInStatus(bridge.url, USERNAME, PASSWORD), 400);
  assert.deepEqual(await cliJson(['user', 'list', '--json'], cli), []);
});

test('grant list --json lists the link; grant revoke ends its tokens at once on the running daemon', async (t) => {
  const { bridge, cli } = await runningDaemon(t);
  const tokens = tokensOf(await exchange(bridge.url, await newCode(bridge.url)));
  const grants = await cliJson<{ grant_id: string; client_id: string; username: string; status: string }[]>(['grant', 'list', '--json'], cli);
  assert.equal(grants.length, 1);
  assert.equal(grants[0]!.client_id, CLIENT_ID);
  assert.equal(grants[0]!.username, USERNAME);
  assert.equal(grants[0]!.status, 'active');
  assert.equal((await runCli(['grant', 'revoke', grants[0]!.grant_id], cli)).code, 0);
  assert.equal(await isActive(bridge.url, tokens.access), false);
  assert.equal((await refresh(bridge.url, tokens.refresh)).json['error'], 'invalid_grant');
});

// Regression: a base64url grant id starting with '-' made `grant revoke <id>` a usage error.
test('grant and flow ids never look like a command-line option', () => {
  for (let i = 0; i < 5000; i++) assert.match(newId(), /^[0-9a-f]{20}$/);
});

for (const args of [['client', 'show', 'nope'], ['client', 'remove', 'nope'], ['client', 'rotate-secret', 'nope'], ['grant', 'revoke', 'nope']]) {
  test(`${args.join(' ')} (unknown) exits 1 with one stderr line`, async () => {
    assertFailedWithOneLine(await runCli(args, { dataDir: await tempDir() }), /nope/);
  });
}

for (const args of [['client', 'show'], ['user', 'add', 'bob']]) {
  test(`${args.join(' ')} (missing argument) is a usage error: exit 2`, async () => {
    assert.equal((await runCli(args, { dataDir: await tempDir() })).code, 2);
  });
}
