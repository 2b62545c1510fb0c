import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CLIENT_ID, CLIENT_SECRET, LAYLA, PASSWORD, PITANGUI, USERNAME, VENDOR_ID } from './helpers/bridge.ts';
import { assertFailedWithOneLine, runCli, startServe } from './helpers/cli.ts';
import { cliOk, tempDir } from './helpers/daemon-process.ts';
import { suggestedCommands } from './helpers/fixCommands.ts';
import { authorizeQuery, getPage } from './helpers/http.ts';
import { exchange, newCode, refresh, tokensOf } from './helpers/oauth.ts';

// There was no way to edit a client: fixing a redirect URI meant `client remove` (which unlinks
// everybody) and `client add`, and the fix `flows` suggested (`client add`) failed with "already
// exists". `client update` changes a client in place, and every fix `flows` and `doctor` print is a
// command that runs as printed.

interface AttemptSummary {
  flow_id: string;
  client_id: string | null;
  fix: string | null;
}

interface DoctorJson {
  checks: { id: string; status: string; fix?: string }[];
}

test('a client registered for one Alexa region: warned at add; the fixes flows and doctor print run as printed, and the linked account stays linked', async (t) => {
  const dataDir = await tempDir();
  // A public URL on loopback where nothing listens: doctor's probes stay on this machine.
  const daemon = await startServe(dataDir, { BRIDGE_PUBLIC_URL: 'http://127.0.0.1:9', BRIDGE_ADMIN_PORT: 'off' });
  t.after(() => daemon.stop());
  const added = await runCli(['client', 'add', CLIENT_ID, '--redirect-uri', LAYLA, '--secret', CLIENT_SECRET, '--scope', 'alexa'], { dataDir });
  assert.equal(added.code, 0, added.stderr);
  assert.match(
    added.stderr,
    new RegExp(`^warning: only Europe and India registered for vendor id ${VENDOR_ID}: .*North America or Far East \\(Japan, Australia\\) cannot link; --alexa-vendor-id ${VENDOR_ID} registers all three\\n$`),
  );
  await cliOk(['user', 'add', USERNAME, '--password-stdin'], { dataDir, input: PASSWORD });
  const linked = tokensOf(await exchange(daemon.url, await newCode(daemon.url)));

  // Someone whose Alexa app is set to the US comes back to pitangui: refused.
  assert.equal((await getPage(daemon.url, authorizeQuery({ redirect_uri: PITANGUI }))).status, 400);
  const flows = JSON.parse(await cliOk(['flows', '--json'], { dataDir })) as AttemptSummary[];
  const fixes = flows.map((flow) => flow.fix).filter((fix): fix is string => fix !== null);
  const doctor = JSON.parse((await runCli(['doctor', '--json'], { dataDir })).stdout) as DoctorJson;
  const clientCheck = doctor.checks.find((check) => check.id === `client:${CLIENT_ID}`);
  assert.equal(clientCheck?.status, 'fail');
  fixes.push(...doctor.checks.map((check) => check.fix).filter((fix): fix is string => fix !== undefined));

  const commands = fixes.flatMap(suggestedCommands);
  const update = ['client', 'update', CLIENT_ID, '--alexa-vendor-id', VENDOR_ID];
  assert.ok(commands.some((argv) => argv.join(' ') === update.join(' ')), `no fix says ${update.join(' ')}: ${JSON.stringify(fixes)}`);
  for (const argv of commands) {
    if (argv[0] === 'serve') continue; // "start the daemon": it runs already
    const result = await runCli(argv, { dataDir });
    assert.equal(result.code, 0, `suggested "node dist/cli.js ${argv.join(' ')}" failed: ${result.stderr}`);
  }

  assert.equal((await getPage(daemon.url, authorizeQuery({ redirect_uri: PITANGUI }))).status, 200);
  tokensOf(await refresh(daemon.url, linked.refresh));
  const grants = JSON.parse(await cliOk(['grant', 'list', '--json'], { dataDir })) as { status: string }[];
  assert.deepEqual(grants.map((grant) => grant.status), ['active']);
  const after = JSON.parse((await runCli(['doctor', '--json'], { dataDir })).stdout) as DoctorJson;
  assert.equal(after.checks.find((check) => check.id === `client:${CLIENT_ID}`)?.status, 'pass');
});

test('client update: add and remove redirect URIs, name and scopes, keeping the links; a trailing slash is warned about', async (t) => {
  const dataDir = await tempDir();
  const daemon = await startServe(dataDir, { BRIDGE_ADMIN_PORT: 'off' });
  t.after(() => daemon.stop());
  const slashed = `${LAYLA}/`;
  const added = await runCli(['client', 'add', CLIENT_ID, '--alexa-vendor-id', VENDOR_ID, '--redirect-uri', slashed, '--secret', CLIENT_SECRET, '--json'], { dataDir });
  assert.equal(added.code, 0, added.stderr);
  assert.deepEqual(JSON.parse(added.stdout), { client_id: CLIENT_ID, client_secret: CLIENT_SECRET });
  assert.equal(
    added.stderr,
    `warning: redirect URI ${slashed} ends with a slash: redirect URIs must match exactly, and Alexa's never end with one, so Alexa's sign-ins (to ${LAYLA}) would be refused\n`,
  );
  const other = await runCli(['client', 'add', 'test-app', '--redirect-uri', 'https://app.example.test/cb/'], { dataDir });
  assert.match(other.stderr, /^warning: redirect URI https:\/\/app\.example\.test\/cb\/ ends with a slash: .*the app must then send it with the slash/);

  await cliOk(['user', 'add', USERNAME, '--password-stdin'], { dataDir, input: PASSWORD });
  const linked = tokensOf(await exchange(daemon.url, await newCode(daemon.url)));

  const updated = await runCli(
    ['client', 'update', CLIENT_ID, '--remove-redirect-uri', slashed, '--add-redirect-uri', 'https://skill.example.test/cb', '--name', 'Kitchen music', '--scope', 'alexa', '--scope', 'music', '--json'],
    { dataDir },
  );
  assert.equal(updated.code, 0, updated.stderr);
  assert.equal(updated.stderr, '');
  const shown = JSON.parse(updated.stdout) as Record<string, unknown>;
  assert.deepEqual(shown['redirect_uris'], [`https://pitangui.amazon.com/api/skill/link/${VENDOR_ID}`, LAYLA, `https://alexa.amazon.co.jp/api/skill/link/${VENDOR_ID}`, 'https://skill.example.test/cb']);
  assert.equal(shown['name'], 'Kitchen music');
  assert.deepEqual(shown['scopes'], ['alexa', 'music']);
  assert.match((await getPage(daemon.url, authorizeQuery({ scope: 'music' }))).html, /Kitchen music/);
  tokensOf(await refresh(daemon.url, linked.refresh));

  // What cannot work is refused with one line, and nothing changes.
  assertFailedWithOneLine(await runCli(['client', 'update', CLIENT_ID], { dataDir }), /nothing to change: give --add-redirect-uri/);
  assertFailedWithOneLine(await runCli(['client', 'update', CLIENT_ID, '--remove-redirect-uri', slashed], { dataDir }), /is not registered for alexa-skill/);
  assertFailedWithOneLine(await runCli(['client', 'update', CLIENT_ID, '--alexa-vendor-id', 'no spaces!'], { dataDir }), /must be 6-40 letters and digits/);
  assertFailedWithOneLine(await runCli(['client', 'update', 'nobody', '--name', 'x'], { dataDir }), /no client nobody/);
  assertFailedWithOneLine(
    await runCli(['client', 'add', CLIENT_ID, '--alexa-vendor-id', VENDOR_ID], { dataDir }),
    /client alexa-skill already exists \(change it with: node dist\/cli\.js client update alexa-skill …\)/,
  );
  assertFailedWithOneLine(await runCli(['client', 'add', 'bad-vendor', '--alexa-vendor-id', 'x/../y'], { dataDir }), /must be 6-40 letters and digits/);
  const grants = JSON.parse(await cliOk(['grant', 'list', '--json'], { dataDir })) as { status: string }[];
  assert.deepEqual(grants.map((grant) => grant.status), ['active']);
});

test('client update refuses a client that comes from the configuration: the next start would undo it', async (t) => {
  const dataDir = await tempDir();
  const env = { BRIDGE_CLIENT_ID: 'addon-skill', BRIDGE_CLIENT_SECRET: CLIENT_SECRET, BRIDGE_ALEXA_VENDOR_ID: VENDOR_ID, BRIDGE_ADMIN_PORT: 'off' };
  const daemon = await startServe(dataDir, env);
  t.after(() => daemon.stop());
  assertFailedWithOneLine(
    await runCli(['client', 'update', 'addon-skill', '--add-redirect-uri', 'https://x.example.test/cb'], { dataDir, env }),
    /comes from the configuration \(the add-on options\): change alexa_vendor_id or scopes there/,
  );
});
