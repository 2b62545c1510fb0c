// Regression for issue 11 item 5: any confidential client could introspect any other client's
// tokens, refresh tokens included (active:true with the user name). Now a client sees its own
// tokens, and a backend client (`client add … --backend-for`) those of the clients it serves.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { adminSessionCookie } from './helpers/admin.ts';
import { CLIENT_ID, LAYLA, USERNAME } from './helpers/bridge.ts';
import { assertFailedWithOneLine, cliJson, runCli } from './helpers/cli.ts';
import { authorizeQuery, basic, getPage, link } from './helpers/http.ts';
import {
  addOtherClient,
  assertOAuthError,
  exchange,
  introspect,
  newCode,
  OTHER_CLIENT_ID,
  OTHER_CLIENT_SECRET,
  refresh,
  revoke,
  seededBridge,
  sharedBridge,
} from './helpers/oauth.ts';

const BACKEND_ID = 'ma-backend';
let backendSecret = '';
const backend = () => basic(BACKEND_ID, backendSecret);

const bridge = sharedBridge({}, async (started) => {
  await addOtherClient(started);
  // Through the real command line, which hands the change to the running daemon.
  const added = await cliJson<{ client_id: string; client_secret: string }>(['client', 'add', BACKEND_ID, '--backend-for', CLIENT_ID, '--name', 'Music Assistant', '--json'], {
    dataDir: started.dataDir,
  });
  assert.equal(added.client_id, BACKEND_ID);
  backendSecret = added.client_secret;
});

test("another client introspecting a client's tokens learns nothing: {\"active\":false}, exactly like an unknown token", async () => {
  const tokens = await link(bridge().url);
  for (const token of [tokens.access_token, tokens.refresh_token]) {
    const foreign = await introspect(bridge().url, token, basic(OTHER_CLIENT_ID, OTHER_CLIENT_SECRET));
    const unknown = await introspect(bridge().url, `${token}x`, basic(OTHER_CLIENT_ID, OTHER_CLIENT_SECRET));
    assert.equal(foreign.status, 200);
    assert.deepEqual(foreign.json, { active: false });
    assert.deepEqual(foreign.json, unknown.json);
    assert.equal(foreign.headers.get('cache-control'), 'no-store');
    // Its own client still sees it.
    const own = await introspect(bridge().url, token);
    assert.equal(own.json['active'], true);
    assert.equal(own.json['client_id'], CLIENT_ID);
  }
});

test('a backend client introspects the tokens of the client it serves, and only those', async () => {
  const tokens = await link(bridge().url);
  const access = await introspect(bridge().url, tokens.access_token, backend());
  assert.equal(access.status, 200);
  assert.equal(access.json['active'], true);
  assert.equal(access.json['client_id'], CLIENT_ID);
  assert.equal(access.json['username'], USERNAME);
  assert.equal(access.json['token_type'], 'Bearer');
  assert.equal((await introspect(bridge().url, tokens.refresh_token, backend())).json['token_type'], 'refresh_token');

  const otherCode = await newCode(bridge().url, { client_id: OTHER_CLIENT_ID });
  const otherAccess = (await exchange(bridge().url, otherCode, {}, basic(OTHER_CLIENT_ID, OTHER_CLIENT_SECRET))).json['access_token'] as string;
  assert.deepEqual((await introspect(bridge().url, otherAccess, backend())).json, { active: false });

  // A wrong backend secret is a client authentication failure, as for any client.
  const wrong = await introspect(bridge().url, tokens.access_token, basic(BACKEND_ID, 'not-the-secret-0123456789'));
  assertOAuthError(wrong, 401, 'invalid_client');
});

test('a backend client cannot run the authorization flow: an error page, no redirect', async () => {
  const page = await getPage(bridge().url, authorizeQuery({ client_id: BACKEND_ID }));
  assert.equal(page.status, 400);
  assert.equal(page.headers.get('location'), null);
  assert.match(page.html, /Not an application you can link/);
  assert.match(page.html, /ma-backend/);
});

test("a backend client cannot use the token endpoint's grants: 400 unauthorized_client", async () => {
  const tokens = await link(bridge().url);
  assertOAuthError(await refresh(bridge().url, tokens.refresh_token, {}, backend()), 400, 'unauthorized_client');
  const code = await newCode(bridge().url);
  assertOAuthError(await exchange(bridge().url, code, {}, backend()), 400, 'unauthorized_client');
  // Neither attempt spent what it carried: the skill still refreshes and exchanges.
  assert.equal((await refresh(bridge().url, tokens.refresh_token)).status, 200);
  assert.equal((await exchange(bridge().url, code)).status, 200);
});

test('revocation (RFC 7009 §2.1): a client may revoke only its own tokens; a backend none', async () => {
  const tokens = await link(bridge().url);
  for (const headers of [basic(OTHER_CLIENT_ID, OTHER_CLIENT_SECRET), backend()]) {
    for (const token of [tokens.access_token, tokens.refresh_token]) {
      const reply = await revoke(bridge().url, token, headers);
      assert.equal(reply.status, 200); // §2.2: the same answer as for an unknown token
    }
  }
  assert.equal((await introspect(bridge().url, tokens.access_token)).json['active'], true);
  assert.equal((await introspect(bridge().url, tokens.refresh_token)).json['active'], true);
  assert.equal((await revoke(bridge().url, tokens.refresh_token)).status, 200);
  assert.equal((await introspect(bridge().url, tokens.refresh_token)).json['active'], false);
});

test('client show and list say what a backend client is', async () => {
  const shown = await cliJson<Record<string, unknown>>(['client', 'show', BACKEND_ID, '--json'], { dataDir: bridge().dataDir });
  assert.equal(shown['type'], 'backend');
  assert.deepEqual(shown['backend_for'], [CLIENT_ID]);
  assert.deepEqual(shown['redirect_uris'], []);
  const listed = await runCli(['client', 'list'], { dataDir: bridge().dataDir });
  assert.equal(listed.code, 0);
  assert.match(listed.stdout, /BACKEND_FOR/);
  assert.match(listed.stdout, new RegExp(`${BACKEND_ID}\\s+backend\\s+Music Assistant\\s+-\\s+-\\s+${CLIENT_ID}`));
});

test('a backend client must serve clients that exist, and has no redirect URIs, scopes or public form', async () => {
  const dataDir = bridge().dataDir;
  assertFailedWithOneLine(await runCli(['client', 'add', 'b2', '--backend-for', 'no-such-skill'], { dataDir }), /no such client/);
  assertFailedWithOneLine(await runCli(['client', 'add', 'b3', '--backend-for', 'b3'], { dataDir }), /cannot serve itself/);
  assertFailedWithOneLine(await runCli(['client', 'add', 'b4', '--backend-for', BACKEND_ID], { dataDir }), /backend client itself/);
  for (const extra of [['--redirect-uri', LAYLA], ['--public'], ['--alexa-vendor-id', 'M2TESTVENDOR42'], ['--scope', 'alexa']]) {
    const result = await runCli(['client', 'add', 'b5', '--backend-for', CLIENT_ID, ...extra], { dataDir });
    assert.equal(result.code, 2, `${extra.join(' ')}: ${result.stderr}`);
  }
});

test('removing a served client takes it off its backends, so a new client of that id is not served', async (t) => {
  const own = await seededBridge(t);
  await addOtherClient(own);
  const added = await cliJson<{ client_secret: string }>(['client', 'add', 'svc', '--backend-for', CLIENT_ID, '--backend-for', OTHER_CLIENT_ID, '--json'], { dataDir: own.dataDir });
  assert.equal((await runCli(['client', 'remove', OTHER_CLIENT_ID], { dataDir: own.dataDir })).code, 0);
  const shown = await cliJson<Record<string, unknown>>(['client', 'show', 'svc', '--json'], { dataDir: own.dataDir });
  assert.deepEqual(shown['backend_for'], [CLIENT_ID]);
  const tokens = await link(own.url);
  assert.equal((await introspect(own.url, tokens.access_token, basic('svc', added.client_secret))).json['active'], true);
});

test('the admin page shows a backend client and whom it serves', async (t) => {
  const own = await seededBridge(t, { env: { BRIDGE_ADMIN_PORT: '0' } });
  await cliJson(['client', 'add', 'ma-backend', '--backend-for', CLIENT_ID, '--json'], { dataDir: own.dataDir });
  const response = await fetch(`http://127.0.0.1:${own.daemon.adminPort}/clients`, { headers: { cookie: await adminSessionCookie(own.dataDir) } });
  const html = await response.text();
  assert.equal(response.status, 200);
  assert.match(html, /<h2>ma-backend<\/h2><span class="chip">backend<\/span>/);
  assert.match(html, /<dt>Backend for<\/dt><dd><code>alexa-skill<\/code> <div class="muted small">May introspect their tokens; cannot link accounts or obtain tokens\.<\/div><\/dd>/);
});

test('client update --backend-for replaces whom a backend serves, without a new secret; only on a backend client', async (t) => {
  const own = await seededBridge(t);
  await addOtherClient(own);
  const { client_secret: secret } = await cliJson<{ client_secret: string }>(['client', 'add', 'svc', '--backend-for', CLIENT_ID, '--json'], { dataDir: own.dataDir });
  const otherCode = await newCode(own.url, { client_id: OTHER_CLIENT_ID });
  const otherAccess = (await exchange(own.url, otherCode, {}, basic(OTHER_CLIENT_ID, OTHER_CLIENT_SECRET))).json['access_token'] as string;
  assert.deepEqual((await introspect(own.url, otherAccess, basic('svc', secret))).json, { active: false });

  const updated = await cliJson<Record<string, unknown>>(['client', 'update', 'svc', '--backend-for', CLIENT_ID, '--backend-for', OTHER_CLIENT_ID, '--json'], { dataDir: own.dataDir });
  assert.deepEqual(updated['backend_for'], [CLIENT_ID, OTHER_CLIENT_ID]);
  assert.equal((await introspect(own.url, otherAccess, basic('svc', secret))).json['client_id'], OTHER_CLIENT_ID);

  assertFailedWithOneLine(await runCli(['client', 'update', CLIENT_ID, '--backend-for', OTHER_CLIENT_ID], { dataDir: own.dataDir }), /is not a backend client/);
  assertFailedWithOneLine(await runCli(['client', 'update', 'svc', '--backend-for', 'nobody'], { dataDir: own.dataDir }), /no such client/);
});
