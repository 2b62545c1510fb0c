import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CLIENT_ID, CLIENT_SECRET, PASSWORD, USERNAME, VENDOR_ID } from './helpers/bridge.ts';
import { assertFailedWithOneLine, runCli, startServe } from './helpers/cli.ts';
import { cliOk, tempDir } from './helpers/daemon-process.ts';
import { suggestedCommands } from './helpers/fixCommands.ts';
import { authorizeQuery, basic, getPage } from './helpers/http.ts';
import { assertOAuthError, exchange, newCode, refresh, tokensOf } from './helpers/oauth.ts';
import { challengeParams, pkcePair } from './helpers/pkce.ts';

// `client update` could not switch a client between public and confidential, so the fix `flows`
// printed for a public client that Alexa uses with a secret was `client remove` + `client add`,
// which unlinks everyone. `client update --public | --confidential | --secret S` switches it in
// place, and that fix is now a command that runs as printed and keeps every link.

const SECRET_LINE = /^Client secret \(shown only now, stored hashed\): (\S+)$/m;

/** A link made the way a public client makes it: PKCE, no secret. */
async function linkWithPkce(base: string): Promise<{ access: string; refresh: string }> {
  const { verifier, challenge } = pkcePair();
  const code = await newCode(base, challengeParams(challenge));
  return tokensOf(await exchange(base, code, { client_id: CLIENT_ID, code_verifier: verifier }, {}));
}

interface AttemptSummary {
  fix: string | null;
}

test('a public client that Alexa uses with a secret: the fix flows prints is client update --confidential, it runs as printed, prints the secret once, and every link stays', async (t) => {
  const dataDir = await tempDir();
  const daemon = await startServe(dataDir, { BRIDGE_ADMIN_PORT: 'off' });
  t.after(() => daemon.stop());
  await cliOk(['client', 'add', CLIENT_ID, '--alexa-vendor-id', VENDOR_ID, '--public'], { dataDir });
  await cliOk(['user', 'add', USERNAME, '--password-stdin'], { dataDir, input: PASSWORD });
  const linked = await linkWithPkce(daemon.url);

  // Alexa sends no PKCE (refused at the authorization endpoint) and a secret (refused at the token endpoint).
  const refused = await getPage(daemon.url, authorizeQuery());
  assert.equal(refused.status, 303);
  assert.equal(new URL(refused.headers.get('location')!).searchParams.get('error'), 'invalid_request');
  assertOAuthError(await refresh(daemon.url, linked.refresh, {}, basic(CLIENT_ID, CLIENT_SECRET)), 401, 'invalid_client');

  const flows = JSON.parse(await cliOk(['flows', '--json'], { dataDir })) as AttemptSummary[];
  const fixes = flows.map((flow) => flow.fix).filter((fix): fix is string => fix !== null);
  assert.ok(!fixes.some((fix) => /client remove/.test(fix)), `a fix still says client remove: ${JSON.stringify(fixes)}`);
  const commands = fixes.flatMap(suggestedCommands);
  const update = ['client', 'update', CLIENT_ID, '--confidential'];
  assert.ok(commands.some((argv) => argv.join(' ') === update.join(' ')), `no fix says ${update.join(' ')}: ${JSON.stringify(fixes)}`);

  let secret: string | undefined;
  for (const argv of commands) {
    const result = await runCli(argv, { dataDir });
    assert.equal(result.code, 0, `suggested "node dist/cli.js ${argv.join(' ')}" failed: ${result.stderr}`);
    secret ??= SECRET_LINE.exec(result.stdout)?.[1];
  }
  assert.ok(secret, 'the secret was not printed');
  assert.match(secret, /^[A-Za-z0-9_-]{32,}$/);

  // Alexa, with that secret and without PKCE, links; the PKCE link made before stays.
  const alexa = tokensOf(await exchange(daemon.url, await newCode(daemon.url), {}, basic(CLIENT_ID, secret)));
  tokensOf(await refresh(daemon.url, linked.refresh, {}, basic(CLIENT_ID, secret)));
  tokensOf(await refresh(daemon.url, alexa.refresh, {}, basic(CLIENT_ID, secret)));
  const grants = JSON.parse(await cliOk(['grant', 'list', '--json'], { dataDir })) as { status: string }[];
  assert.deepEqual(grants.map((grant) => grant.status), ['active', 'active']);
  const shown = JSON.parse(await cliOk(['client', 'show', CLIENT_ID, '--json'], { dataDir })) as Record<string, unknown>;
  assert.equal(shown['type'], 'confidential');
});

test('client update --public drops the secret and the old one rotate-secret kept; links stay; a code issued without PKCE before the switch is refused', async (t) => {
  const dataDir = await tempDir();
  const daemon = await startServe(dataDir, { BRIDGE_ADMIN_PORT: 'off' });
  t.after(() => daemon.stop());
  await cliOk(['client', 'add', CLIENT_ID, '--alexa-vendor-id', VENDOR_ID, '--secret', CLIENT_SECRET], { dataDir });
  await cliOk(['user', 'add', USERNAME, '--password-stdin'], { dataDir, input: PASSWORD });
  const linked = tokensOf(await exchange(daemon.url, await newCode(daemon.url)));
  const rotated = JSON.parse(await cliOk(['client', 'rotate-secret', CLIENT_ID, '--keep-old', '24h', '--json'], { dataDir })) as { client_secret: string };
  const pending = await newCode(daemon.url); // Alexa's, without PKCE, not yet exchanged

  const made = await runCli(['client', 'update', CLIENT_ID, '--public', '--json'], { dataDir });
  assert.equal(made.code, 0, made.stderr);
  assert.equal(made.stderr, '');
  const view = JSON.parse(made.stdout) as Record<string, unknown>;
  assert.equal(view['type'], 'public');
  assert.equal(view['old_secret_valid_until'], undefined);
  assert.equal(view['client_secret'], undefined);

  // Neither secret works any more; the code is bound by nothing now and is refused.
  for (const old of [CLIENT_SECRET, rotated.client_secret]) {
    assertOAuthError(await refresh(daemon.url, linked.refresh, {}, basic(CLIENT_ID, old)), 401, 'invalid_client');
  }
  const late = await exchange(daemon.url, pending, { client_id: CLIENT_ID }, {});
  assertOAuthError(late, 400, 'invalid_grant');
  assert.equal(late.json['error_description'], 'the authorization code was issued without PKCE and the client is public now: link again');
  // The link stays, used as a public client uses it; PKCE links work.
  tokensOf(await refresh(daemon.url, linked.refresh, { client_id: CLIENT_ID }, {}));
  await linkWithPkce(daemon.url);

  // Back to confidential, in text: the secret is printed once, as by client add.
  const back = await runCli(['client', 'update', CLIENT_ID, '--confidential'], { dataDir });
  assert.equal(back.code, 0, back.stderr);
  assert.match(back.stdout, /^Updated client alexa-skill; its linked accounts stay linked\.\n/);
  assert.match(back.stdout, /^type: +confidential$/m);
  const secret = SECRET_LINE.exec(back.stdout)?.[1];
  assert.ok(secret && back.stdout.endsWith(`Client secret (shown only now, stored hashed): ${secret}\n`), back.stdout);
  tokensOf(await exchange(daemon.url, await newCode(daemon.url), {}, basic(CLIENT_ID, secret)));
  const grants = JSON.parse(await cliOk(['grant', 'list', '--json'], { dataDir })) as { status: string }[];
  assert.deepEqual(grants.map((grant) => grant.status), ['active', 'active', 'active']);

  // Already confidential: --confidential changes nothing and prints no secret; --secret points to rotate-secret.
  const again = await runCli(['client', 'update', CLIENT_ID, '--confidential', '--json'], { dataDir });
  assert.equal(again.code, 0, again.stderr);
  assert.equal((JSON.parse(again.stdout) as Record<string, unknown>)['client_secret'], undefined);
  tokensOf(await exchange(daemon.url, await newCode(daemon.url), {}, basic(CLIENT_ID, secret)));
  assertFailedWithOneLine(
    await runCli(['client', 'update', CLIENT_ID, '--secret', 'another-secret-0123456789'], { dataDir }),
    /^alexa-oauth-bridge: client alexa-skill is confidential already: make a new secret with node dist\/cli\.js client rotate-secret alexa-skill/,
  );

  // --secret S switches a public client with that secret; a short one is refused and changes nothing.
  await cliOk(['client', 'update', CLIENT_ID, '--public'], { dataDir });
  assertFailedWithOneLine(await runCli(['client', 'update', CLIENT_ID, '--secret', 'short'], { dataDir }), /^alexa-oauth-bridge: the secret must be at least 16 characters/);
  assert.equal((JSON.parse(await cliOk(['client', 'show', CLIENT_ID, '--json'], { dataDir })) as Record<string, unknown>)['type'], 'public');
  const given = JSON.parse(await cliOk(['client', 'update', CLIENT_ID, '--secret', CLIENT_SECRET, '--json'], { dataDir })) as Record<string, unknown>;
  assert.equal(given['type'], 'confidential');
  assert.equal(given['client_secret'], CLIENT_SECRET);
  tokensOf(await exchange(daemon.url, await newCode(daemon.url), {}, basic()));

  const both = await runCli(['client', 'update', CLIENT_ID, '--public', '--confidential'], { dataDir });
  assert.equal(both.code, 2);
  assert.match(both.stderr, /option '--public' cannot be used with option '--confidential'/);
});

test('client update --public refuses a backend client and a client from the configuration', async (t) => {
  const dataDir = await tempDir();
  const env = { BRIDGE_CLIENT_ID: 'addon-skill', BRIDGE_CLIENT_SECRET: CLIENT_SECRET, BRIDGE_ALEXA_VENDOR_ID: VENDOR_ID, BRIDGE_ADMIN_PORT: 'off' };
  const daemon = await startServe(dataDir, env);
  t.after(() => daemon.stop());
  await cliOk(['client', 'add', 'ma-backend', '--backend-for', 'addon-skill'], { dataDir, env });
  assertFailedWithOneLine(
    await runCli(['client', 'update', 'ma-backend', '--public'], { dataDir, env }),
    /^alexa-oauth-bridge: client ma-backend is a backend client: it always authenticates with a secret\n$/,
  );
  assertFailedWithOneLine(
    await runCli(['client', 'update', 'addon-skill', '--public'], { dataDir, env }),
    /^alexa-oauth-bridge: client addon-skill comes from the configuration \(the add-on options\): set client_secret there \(leave it empty for a public client\)/,
  );
});
