// Chromium (playwright-core, Debian's /usr/bin/chromium) clicking through what people see: the
// sign-in page on a phone, and the admin page. Screenshots go to test/artifacts/.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { addClient } from '../src/services/clients.ts';
import { CLIENT_ID, LAYLA, PASSWORD, seedAlexa, startBridge, TestClock, USERNAME, type TestBridge } from './helpers/bridge.ts';
import { launchChromium, PHONE, screenshot } from './helpers/browser.ts';
import { authorizeQuery, basic, getPage, tokenRequest } from './helpers/http.ts';
import { exchange, newCode, tokensOf } from './helpers/oauth.ts';
import { sendToDaemon } from '../src/control/socket.ts';

const LOOPBACK_CLIENT = 'browser-test';
const LOOPBACK_SECRET = 'browser-test-secret-0123456789';

let browser: Browser;
let bridge: TestBridge;
/** A stand-in for Amazon's redirect page: where the browser lands after Allow. */
let landing: Server;
let callback: string;

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

before(async () => {
  landing = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<!doctype html><meta name="viewport" content="width=device-width"><h1>Back at the skill</h1><p>${req.url?.replace(/[<&>]/g, '')}</p>`);
  });
  await new Promise<void>((resolve) => landing.listen(0, '127.0.0.1', resolve));
  callback = `http://127.0.0.1:${(landing.address() as AddressInfo).port}/cb`;
  // The form posts to the public URL, so here it must be the bridge's own address.
  const port = await freePort();
  // Real time: the overview compares the clock with the real Date of the public URL's answer.
  const clock = new TestClock();
  clock.now = Date.now();
  bridge = await startBridge({ clock, env: { BRIDGE_PORT: String(port), BRIDGE_PUBLIC_URL: `http://127.0.0.1:${port}`, BRIDGE_ADMIN_PORT: '0' } });
  await seedAlexa(bridge);
  await addClient(bridge.daemon.context, { id: LOOPBACK_CLIENT, name: 'Music Skill', secret: LOOPBACK_SECRET, redirectUris: [callback], scopes: ['alexa'] });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await bridge?.stop();
  landing?.close();
});

function authorizeUrl(): string {
  return `${bridge.url}/alexa/authorize?${authorizeQuery({ client_id: LOOPBACK_CLIENT, redirect_uri: callback, state: 'browser-state-1' })}`;
}

test('on a phone, the sign-in page links an account by clicks and lands on the redirect URI', async () => {
  const context = await browser.newContext(PHONE);
  const page = await context.newPage();
  await page.goto(authorizeUrl());
  assert.equal(await page.locator('h1').textContent(), 'Link Music Skill');
  const allow = page.getByRole('button', { name: 'Allow' });
  const box = (await allow.boundingBox())!;
  assert.ok(box.x >= 0 && box.x + box.width <= 390 && box.y + box.height <= 844, `Allow is on the first screen: ${JSON.stringify(box)}`);
  assert.ok(box.height >= 44, 'Allow is big enough to tap');
  await screenshot(page, 'consent-phone');

  await page.getByLabel('Username').fill(USERNAME);
  await page.getByLabel('Password').fill('not the password');
  await allow.click();
  await page.getByRole('alert').waitFor();
  assert.equal(await page.getByRole('alert').textContent(), 'The username or password is not right.');
  await screenshot(page, 'consent-phone-wrong-password');

  await page.getByLabel('Password').fill(PASSWORD);
  await Promise.all([page.waitForURL(`${callback}?**`), page.getByRole('button', { name: 'Allow' }).click()]);
  const landed = new URL(page.url());
  assert.equal(landed.searchParams.get('state'), 'browser-state-1');
  assert.equal(landed.searchParams.get('iss'), bridge.config.publicUrl);
  const code = landed.searchParams.get('code')!;
  assert.match(code, /^[A-Za-z0-9_-]{43}$/);
  await screenshot(page, 'consent-phone-landed');
  const tokens = await tokenRequest(bridge.url, { grant_type: 'authorization_code', code, redirect_uri: callback }, basic(LOOPBACK_CLIENT, LOOPBACK_SECRET));
  assert.equal(tokens.status, 200);
  await context.close();
});

test('the sign-in page in German and in the dark, on a phone', async () => {
  const context = await browser.newContext({ ...PHONE, locale: 'de-DE', colorScheme: 'dark' });
  const page = await context.newPage();
  await page.goto(authorizeUrl());
  assert.equal(await page.locator('html').getAttribute('lang'), 'de');
  assert.equal(await page.getByRole('button', { name: 'Erlauben' }).count(), 1);
  await screenshot(page, 'consent-phone-de-dark');
  await context.close();
});

test('the admin page shows a failed flow’s timeline, and revokes a linked account', async () => {
  // A link that worked, and one that failed at the token endpoint with a wrong secret.
  tokensOf(await exchange(bridge.url, await newCode(bridge.url)));
  await exchange(bridge.url, await newCode(bridge.url), {}, basic(CLIENT_ID, 'the-old-secret-from-last-year'));
  await getPage(bridge.url, authorizeQuery({ redirect_uri: LAYLA.replace('layla', 'pitangui').replace('M2TEST', 'M2OTHER') }));
  const admin = `http://127.0.0.1:${bridge.daemon.adminPort}`;
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  const page = await context.newPage();

  // Outside ingress the admin page needs a session: a one-time link, as `admin-link` prints it.
  const link = await sendToDaemon(bridge.dataDir, 'admin link', {});
  await page.goto((link as { result: { url: string } }).result.url);
  await page.goto(`${admin}/flows`);
  const failed = page.locator('.card', { hasText: 'sent a wrong secret' });
  await failed.waitFor();
  assert.equal(await failed.locator('ol.timeline li.failed').textContent(), '✗Token exchangefailed here');
  assert.equal(await failed.locator('ol.timeline li.done').count(), 5);
  await screenshot(page, 'admin-flows');

  await failed.getByRole('link', { name: /^Steps of / }).click();
  await page.getByRole('heading', { name: 'Steps' }).waitFor();
  await screenshot(page, 'admin-flow-detail');

  await page.getByRole('link', { name: 'Linked accounts' }).click();
  const row = page.locator('tr', { hasText: 'browser-test' });
  await row.getByText('Revoke…').click();
  await screenshot(page, 'admin-revoke-confirm');
  await row.getByRole('button', { name: 'Revoke the link' }).click();
  await page.waitForURL(/\/accounts\?revoked=/);
  assert.equal(await page.locator('tr', { hasText: 'browser-test' }).locator('.chip').textContent(), 'revoked');
  await screenshot(page, 'admin-revoked');

  await page.getByRole('link', { name: 'Overview' }).click();
  await page.getByRole('heading', { name: 'Set-up checks' }).waitFor();
  await screenshot(page, 'admin-overview');
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.goto(`${admin}/flows`);
  await screenshot(page, 'admin-flows-dark');
  await context.close();
});
