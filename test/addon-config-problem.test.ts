// A configuration problem in the add-on does not crash-loop it. Before issue 12
// the daemon exited 1 on any of these, and with the Supervisor's watchdog on
// that was a restart loop; now run.sh serves with --wait-for-config: the
// daemon stays up, /health answers 200 with "unconfigured" and the problems
// (a watchdog or HEALTHCHECK must not restart it), the admin page lists them,
// and SIGTERM still stops it with 0. Plain `serve` keeps the contract: one line
// on stderr, exit 1.
import assert from 'node:assert/strict';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { addonOptionsFile } from './helpers/addon-source.ts';
import { VENDOR_ID } from './helpers/bridge.ts';
import { freePort } from './helpers/cli.ts';
import { CLI_JS, DaemonProcess, REPO_ROOT, tempDir } from './helpers/daemon-process.ts';

const OPTIONS = await addonOptionsFile({
  public_url: 'https://alexa.example.test',
  client_secret: 'options-secret-0123456789abcdef',
  alexa_vendor_id: VENDOR_ID,
});

interface Health {
  status: string;
  version: string;
  problems: string[];
}

async function startAddon(t: { after(fn: () => unknown): void }, options: string) {
  const data = await tempDir('bridge-addon-problem-');
  await writeFile(join(data, 'options.json'), options);
  const adminPort = await freePort();
  const daemon = await DaemonProcess.start({
    dataDir: data,
    command: ['sh', join(REPO_ROOT, 'docker', 'run.sh')],
    env: { APP_DIR: REPO_ROOT, SUPERVISOR_TOKEN: 'token', BRIDGE_PUBLIC_URL: undefined, BRIDGE_ADMIN_PORT: String(adminPort) },
  });
  t.after(() => daemon.stop());
  return { daemon, data, adminPort };
}

const cases: Array<[string, string, RegExp]> = [
  ['a client_secret under 16 characters', JSON.stringify({ ...OPTIONS, client_secret: 'short' }), /^client_secret \(hidden\) in .*options\.json: must be at least 16 characters$/],
  ['no alexa_vendor_id', JSON.stringify({ ...OPTIONS, alexa_vendor_id: undefined }), /^alexa_vendor_id \(BRIDGE_ALEXA_VENDOR_ID\), not given: is needed with client_id \(alexa\)/],
  ['a client_id with a space', JSON.stringify({ ...OPTIONS, client_id: 'alexa skill' }), /^the configured client alexa skill: client_id must be 1-200 printable ASCII characters/],
  ['an options file that is not JSON', '{"public_url": ', /^config file .*options\.json is not valid JSON/],
];

for (const [name, options, expected] of cases) {
  test(`${name}: the add-on stays up and says what to fill in`, async (t) => {
    const { daemon, data, adminPort } = await startAddon(t, options);

    const health = await fetch(`${daemon.url}/health`);
    assert.equal(health.status, 200);
    assert.equal(health.headers.get('cache-control'), 'no-store');
    const body = (await health.json()) as Health;
    assert.equal(body.status, 'unconfigured');
    assert.equal(body.problems.length, 1, JSON.stringify(body.problems));
    assert.match(body.problems[0]!, expected);

    // Nothing else is served, and nothing touches the data directory.
    const token = await fetch(`${daemon.url}/alexa/token`, { method: 'POST' });
    assert.equal(token.status, 503);
    assert.deepEqual(await readdir(data), ['options.json']);

    const admin = await fetch(`http://127.0.0.1:${adminPort}/`);
    assert.equal(admin.status, 200);
    assert.match(admin.headers.get('content-type') ?? '', /^text\/html/);
    const page = await admin.text();
    assert.match(page, /Configuration needed/);
    assert.match(page, /Configuration<\/b> tab/);
    const escaped = body.problems[0]!.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
    assert.ok(page.includes(escaped), 'the page lists the problem');

    assert.match(daemon.stderr, /configuration problem: /);
    assert.deepEqual(await daemon.stop(), { code: 0, signal: null });
  });
}

test('every problem at once, and listeners from the settings that are still valid', async (t) => {
  const { daemon } = await startAddon(t, JSON.stringify({ ...OPTIONS, client_secret: 'short', alexa_vendor_id: undefined, access_token_ttl: 10 }));
  const body = (await (await fetch(`${daemon.url}/health`)).json()) as Health;
  assert.deepEqual(body.problems.map((problem) => /^(\w+)/.exec(problem)?.[1]).sort(), ['access_token_ttl', 'alexa_vendor_id', 'client_secret']);
});

test('plain serve still stops at a configuration problem with one line and exit 1 (contract)', async () => {
  const { spawnSync } = await import('node:child_process');
  const data = await tempDir('bridge-serve-problem-');
  const result = spawnSync(process.execPath, [CLI_JS, 'serve'], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, BRIDGE_DATA_DIR: data, BRIDGE_CLIENT_ID: 'alexa', BRIDGE_PORT: '0', BRIDGE_ADMIN_PORT: 'off' },
    timeout: 20_000,
  });
  assert.equal(result.status, 1);
  assert.match(result.stderr, /^alexa-oauth-bridge: alexa_vendor_id \(BRIDGE_ALEXA_VENDOR_ID\), not given: is needed with client_id \(alexa\)/);
  assert.equal(result.stderr.trim().split('\n').length, 1);
});
