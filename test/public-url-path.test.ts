// Issue 9 item 4: BRIDGE_PUBLIC_URL with a path (https://bridge.test:PORT/bridge) behind nginx
// locations that strip the prefix, as the shipped config's "under a path" block says. Before, the
// CSRF cookie had Path=/alexa/authorize, the browser never sent it to /bridge/alexa/authorize, and
// every sign-in ended in "This page has expired". Real nginx, real Chromium.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { LAYLA, PASSWORD, seedAlexa, startBridge, USERNAME } from './helpers/bridge.ts';
import { launchChromium, PHONE, screenshot } from './helpers/browser.ts';
import { DaemonProcess, freePort, OAuthClient, seedAlexaWithCli, tempDir, type Send } from './helpers/daemon-process.ts';
import { authorizeQuery } from './helpers/http.ts';
import { Nginx, TLS_NAME } from './helpers/nginx.ts';

let daemon: DaemonProcess;
let nginx: Nginx;
let browser: Browser;
let publicUrl: string;
/** Requests as a client that knows only the public URL: every path under /bridge. */
let underPath: Send;

before(async () => {
  const dataDir = await tempDir('bridge-path-');
  await seedAlexaWithCli(dataDir);
  const nginxPort = await freePort();
  publicUrl = `https://${TLS_NAME}:${nginxPort}/bridge`;
  daemon = await DaemonProcess.start({ dataDir, publicUrl, env: { BRIDGE_TRUST_PROXY: '127.0.0.1', BRIDGE_ADMIN_PORT: 'off' } });
  nginx = await Nginx.start({ upstreamPort: daemon.port, port: nginxPort, underPath: true });
  underPath = (request) => nginx.send({ ...request, path: `/bridge${request.path}` });
  browser = await launchChromium([`--host-resolver-rules=MAP ${TLS_NAME} 127.0.0.1`]);
});

after(async () => {
  await browser?.close();
  await nginx?.stop();
  await daemon?.stop();
});

test('a phone links through https://bridge.test/bridge: page, sign-in, redirect with iss, code exchange', async () => {
  // The self-signed certificate is the test's; the cookie is still a Secure one on https.
  const context = await browser.newContext({ ...PHONE, ignoreHTTPSErrors: true });
  const page = await context.newPage();
  await page.goto(`${publicUrl}/alexa/authorize?${authorizeQuery({ state: 'path-state' })}`);
  await page.getByLabel('Username').fill(USERNAME);
  await page.getByLabel('Password').fill(PASSWORD);
  await screenshot(page, 'public-url-path-consent');
  // Amazon's host does not resolve here: the browser's request for it is what counts.
  const [toAmazon] = await Promise.all([page.waitForRequest((request) => request.url().startsWith(`${LAYLA}?`)), page.getByRole('button', { name: 'Allow' }).click()]);
  const landed = new URL(toAmazon.url());
  assert.equal(landed.searchParams.get('state'), 'path-state');
  assert.equal(landed.searchParams.get('iss'), publicUrl);
  const cookies = await context.cookies(`${publicUrl}/alexa/authorize`);
  assert.deepEqual(cookies.map((cookie) => [cookie.name, cookie.path, cookie.secure, cookie.httpOnly]), [['__Host-bridge_csrf', '/', true, true]]);
  await context.close();
  const alexa = new OAuthClient(underPath);
  const tokens = await alexa.exchange(landed.searchParams.get('code')!, LAYLA);
  assert.equal((await alexa.refresh(tokens.refresh_token)).status, 200);
});

test('the form posts to the public URL, path included', async () => {
  const page = await new OAuthClient(underPath).page(authorizeQuery());
  assert.equal(page.status, 200);
  assert.equal(page.action, `${publicUrl}/alexa/authorize`);
});

test('metadata under the path, and at RFC 8414 §3.1’s place for a path issuer, names every URL with the path', async () => {
  for (const path of ['/bridge/.well-known/oauth-authorization-server', '/.well-known/oauth-authorization-server/bridge']) {
    const response = await nginx.request({ path });
    assert.equal(response.status, 200, `${path}: ${response.body}`);
    const metadata = JSON.parse(response.body) as Record<string, string>;
    assert.equal(metadata['issuer'], publicUrl);
    assert.equal(metadata['authorization_endpoint'], `${publicUrl}/alexa/authorize`);
    assert.equal(metadata['token_endpoint'], `${publicUrl}/alexa/token`);
  }
  assert.equal((await nginx.request({ path: '/bridge/health' })).status, 200);
  // The root locations are gone: only the path reaches the daemon.
  assert.equal((await nginx.request({ path: '/alexa/authorize' })).status, 404);
});

test('over plain http, the cookie’s path is the form’s, public URL path included', async (t) => {
  const bridge = await startBridge({ env: { BRIDGE_PUBLIC_URL: 'http://127.0.0.1:1/bridge' } });
  t.after(() => bridge.stop());
  await seedAlexa(bridge);
  const response = await fetch(`${bridge.url}/alexa/authorize?${authorizeQuery()}`);
  await response.body?.cancel();
  assert.match(response.headers.getSetCookie()[0]!, /^bridge_csrf=[\w-]+; Path=\/bridge\/alexa\/authorize; HttpOnly; SameSite=Lax$/);
});
