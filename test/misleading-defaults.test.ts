// Issue 9 item 5: defaults that misled a newcomer. The issuer follows BRIDGE_PORT when no public
// URL is set; a page opened on another host than the public URL's is diagnosed as such; the start
// message does not offer an http URL as the Alexa console's Authorization URI; every documented
// BRIDGE_LOG_FILES value starts.
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { loadConfig } from '../src/config/load.ts';
import { createDaemonLogger } from '../src/log/logger.ts';
import { PASSWORD, seedAlexa, startBridge, tempDir, USERNAME } from './helpers/bridge.ts';
import { launchChromium, PHONE, screenshot } from './helpers/browser.ts';
import { cliJson, freePort, startServe } from './helpers/cli.ts';
import { latestDiagnosis, latestFlow } from './helpers/diagnostics.ts';
import { authorizeQuery, getPage } from './helpers/http.ts';

test('BRIDGE_PORT alone: the issuer, the form action and the start message follow the port, and doctor reaches it', async (t) => {
  const dataDir = await tempDir();
  // startServe sets BRIDGE_PORT to a free port, and nothing else about the address.
  const daemon = await startServe(dataDir, { BRIDGE_PUBLIC_URL: '', BRIDGE_ADMIN_PORT: 'off' });
  t.after(() => daemon.stop());
  const port = Number(new URL(daemon.url).port);
  const env = { BRIDGE_PORT: String(port), BRIDGE_ADMIN_PORT: 'off' };
  const metadata = (await (await fetch(`${daemon.url}/.well-known/oauth-authorization-server`)).json()) as Record<string, string>;
  assert.equal(metadata['issuer'], `http://localhost:${port}`);
  assert.equal(metadata['authorization_endpoint'], `http://localhost:${port}/alexa/authorize`);
  await cliJson(['client', 'add', 'alexa-skill', '--alexa-vendor-id', 'M2TESTVENDOR42', '--json'], { dataDir });
  const page = await getPage(daemon.url, authorizeQuery({ redirect_uri: 'https://layla.amazon.com/api/skill/link/M2TESTVENDOR42' }));
  assert.match(page.html, new RegExp(`<form method="post" action="http://localhost:${port}/alexa/authorize"`));
  assert.match(daemon.output.stderr, new RegExp(`running at http://localhost:${port} `));
  // The start message does not offer the http default to the Alexa console.
  assert.doesNotMatch(daemon.output.stderr, /set Authorization URI http:/);
  assert.match(daemon.output.stderr, /The Alexa console needs an https URL on port 443 with a publicly trusted certificate; http:\/\/localhost:\d+ is not one/);
  const doctor = await cliJson<{ checks: { id: string; status: string; message: string }[] }>(['doctor', '--json'], { dataDir, env });
  const reach = doctor.checks.find((check) => check.id === 'reaches-daemon')!;
  assert.equal(reach.status, 'pass', reach.message);
});

test('an https public URL on port 443: the start message gives the Alexa console its URIs', async (t) => {
  const daemon = await startServe(await tempDir(), { BRIDGE_PUBLIC_URL: 'https://alexa.example.test', BRIDGE_ADMIN_PORT: 'off' });
  t.after(() => daemon.stop());
  assert.match(daemon.output.stderr, /set Authorization URI https:\/\/alexa\.example\.test\/alexa\/authorize and Access Token URI https:\/\/alexa\.example\.test\/alexa\/token/);
});

test('the page opened on 127.0.0.1 while the issuer is localhost: Chromium ends in “page expired”, and the diagnosis names the host', async (t) => {
  const port = await freePort();
  const bridge = await startBridge({ env: { BRIDGE_PORT: String(port), BRIDGE_PUBLIC_URL: '' } });
  t.after(() => bridge.stop());
  assert.equal(bridge.config.publicUrl, `http://localhost:${port}`);
  await seedAlexa(bridge);
  const browser = await launchChromium();
  t.after(() => browser.close());
  const page = await (await browser.newContext(PHONE)).newPage();
  await page.goto(`http://127.0.0.1:${port}/alexa/authorize?${authorizeQuery()}`);
  await page.getByLabel('Username').fill(USERNAME);
  await page.getByLabel('Password').fill(PASSWORD);
  const [response] = await Promise.all([page.waitForResponse((answer) => answer.request().method() === 'POST'), page.getByRole('button', { name: 'Allow' }).click()]);
  assert.equal(response.status(), 403);
  assert.equal(new URL(response.url()).host, `localhost:${port}`);
  await screenshot(page, 'page-host-differs');
  const { reason, cause, fix } = latestDiagnosis(bridge);
  assert.equal(reason, 'page_host_differs');
  assert.match(cause, new RegExp(`opened on host 127\\.0\\.0\\.1, but the public URL \\(the issuer\\) is http://localhost:${port}`));
  assert.match(fix, /Open the page through the public URL/);
});

test('the page opened on the public URL’s host, at another port: no host diagnosis (cookies are per host)', async (t) => {
  const bridge = await startBridge({ env: { BRIDGE_PUBLIC_URL: 'http://127.0.0.1:1' } });
  t.after(() => bridge.stop());
  await seedAlexa(bridge);
  assert.equal((await getPage(bridge.url, authorizeQuery())).status, 200);
  const flow = latestFlow(bridge);
  assert.equal(flow.steps.at(-1)!.step, 'page');
  assert.equal(flow.steps.at(-1)!.reason, null);
});

/** Stands in for stdout, which is the test runner's. */
function discard(): Writable {
  return new Writable({ write: (_chunk, _encoding, callback) => callback() });
}

for (const files of ['0', '1', '2', '100']) {
  test(`BRIDGE_LOG_FILES=${files} starts, and keeps at most ${files} log file(s) as it rolls`, async () => {
    const dataDir = await tempDir();
    const { log, close } = await createDaemonLogger(loadConfig({ env: { BRIDGE_DATA_DIR: dataDir, BRIDGE_LOG_FILES: files, BRIDGE_LOG_FILE_MB: '0.01' } }), discard());
    for (let i = 0; i < 300; i++) {
      log.info({ i, padding: 'x'.repeat(100) }, 'filler line for the rotation test');
      await new Promise((resolve) => setImmediate(resolve));
    }
    close();
    const list = () => readdir(join(dataDir, 'logs')).catch(() => [] as string[]);
    if (files === '0') {
      assert.deepEqual(await list(), []);
      return;
    }
    // Each roll's cleanup runs after the roll (pino-roll), so the count is checked until it holds,
    // for up to 10 s (a loaded machine); it must never drop to none.
    let names = await list();
    for (const deadline = Date.now() + 10_000; names.length > Number(files) && Date.now() < deadline; names = await list()) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.ok(names.length >= 1 && names.length <= Number(files), `${names.length} files: ${names.join(', ')}`);
  });
}

test('serve with BRIDGE_LOG_FILES=1 starts and writes its one log file', async (t) => {
  const dataDir = await tempDir();
  const daemon = await startServe(dataDir, { BRIDGE_LOG_FILES: '1', BRIDGE_ADMIN_PORT: 'off' });
  t.after(() => daemon.stop());
  assert.equal((await fetch(`${daemon.url}/health`)).status, 200);
  assert.deepEqual(await readdir(join(dataDir, 'logs')), ['bridge.1.log']);
});
