// Every page the bridge serves, in real Chromium on a phone (390 × 844 CSS pixels): nothing may
// scroll sideways. A long redirect URI did not wrap on the error page, and the admin flows page
// scrolled sideways. The linked accounts' times broke inside ("04:56:2" over "6 UTC"): no date or
// time of day may break across lines. Screenshots go to test/artifacts/phone-*.png, to be looked at.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { addClient, rotateClientSecret } from '../src/services/clients.ts';
import { CLIENT_ID, LAYLA, seedAlexa, startBridge, TestClock, type TestBridge } from './helpers/bridge.ts';
import { adminSessionCookie } from './helpers/admin.ts';
import { launchChromium, PHONE, screenshot } from './helpers/browser.ts';
import { authorizeQuery, basic, getPage } from './helpers/http.ts';
import { exchange, newCode, refresh, tokensOf } from './helpers/oauth.ts';

/** Long and unbroken, as real ones are: no space or hyphen for the browser to wrap at. */
const LONG_REDIRECT = `https://skill-backend.example.test/api/v1/alexa/account-linking/callback/${'Ab9'.repeat(30)}?tenant=${'x'.repeat(60)}`;
const LONG_CLIENT = `music-assistant-skill-${'0123456789'.repeat(6)}`;

let browser: Browser;
let bridge: TestBridge;
let admin: string;

before(async () => {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));
  const clock = new TestClock();
  clock.now = Date.now();
  bridge = await startBridge({ clock, env: { BRIDGE_PORT: String(port), BRIDGE_PUBLIC_URL: `http://127.0.0.1:${port}`, BRIDGE_ADMIN_PORT: '0' } });
  await seedAlexa(bridge);
  await addClient(bridge.daemon.context, { id: LONG_CLIENT, name: 'A skill with a rather long name for a phone screen', secret: 'long-client-secret-0123456789', redirectUris: [LONG_REDIRECT], scopes: ['alexa'] });
  await rotateClientSecret(bridge.daemon.context, LONG_CLIENT); // the overlap notice is on the clients page
  admin = `http://127.0.0.1:${bridge.daemon.adminPort}`;
  // What the admin pages list: a link, a failed exchange, a redirect URI that is not registered.
  tokensOf(await refresh(bridge.url, tokensOf(await exchange(bridge.url, await newCode(bridge.url))).refresh)); // both time columns filled
  await exchange(bridge.url, await newCode(bridge.url), {}, basic(CLIENT_ID, 'the-old-secret-from-last-year'));
  await getPage(bridge.url, authorizeQuery({ client_id: LONG_CLIENT, redirect_uri: `${LONG_REDIRECT}&extra=${'y'.repeat(40)}` }));
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await bridge?.stop();
});

interface TimeOnScreen {
  text: string;
  /** The line boxes the text is laid out on (distinct tops of its Range's client rects). */
  lines: number;
  right: number;
  /** The right edge of the block (table cell, list item, …) that holds it. */
  boxRight: number;
}

/**
 * Runs in the page: every date (2026-11-30) and time of day (04:56:26 UTC) in the page's text,
 * with how many lines it takes, found by the text itself so that any markup is judged.
 */
const TIMES_ON_SCREEN = `(() => {
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (const match of node.data.matchAll(/\\d{4}-\\d\\d-\\d\\d|\\d\\d:\\d\\d(?::\\d\\d)?(?: UTC)?/g)) {
      const range = document.createRange();
      range.setStart(node, match.index);
      range.setEnd(node, match.index + match[0].length);
      const rects = [...range.getClientRects()].filter((rect) => rect.width > 0);
      if (rects.length === 0) continue; // not rendered (a closed <details>)
      const box = node.parentElement.closest('td, th, dd, dt, li, p, div').getBoundingClientRect();
      found.push({ text: match[0], lines: new Set(rects.map((rect) => Math.round(rect.top))).size, right: Math.max(...rects.map((rect) => rect.right)), boxRight: box.right });
    }
  }
  return found;
})()`;

/**
 * Opens `url` on a phone, saves phone-<name>.png, and asserts the page is no wider than the screen
 * and no date or time breaks; answers the dates and times shown.
 */
async function onPhone(name: string, url: string, act?: (page: Page) => Promise<void>, cookie?: string): Promise<string[]> {
  const context = await browser.newContext(PHONE);
  try {
    if (cookie) {
      const [cookieName, value] = cookie.split(/=(.*)/, 2) as [string, string];
      await context.addCookies([{ name: cookieName, value, url }]);
    }
    const page = await context.newPage();
    await page.goto(url);
    await act?.(page);
    await screenshot(page, `phone-${name}`);
    // Runs in the page (the test's tsconfig has no DOM types): document.scrollingElement.scrollWidth, innerWidth.
    const { scrollWidth, innerWidth } = await page.evaluate<{ scrollWidth: number; innerWidth: number }>(
      '({ scrollWidth: document.scrollingElement.scrollWidth, innerWidth: window.innerWidth })',
    );
    assert.equal(innerWidth, 390, `${name}: the layout viewport is the phone's width`);
    assert.ok(scrollWidth <= innerWidth, `${name}: the page is ${scrollWidth} px wide on a ${innerWidth} px screen`);
    const times = await page.evaluate<TimeOnScreen[]>(TIMES_ON_SCREEN);
    const broken = times.filter((time) => time.lines !== 1 || time.right > time.boxRight + 0.5);
    assert.deepEqual(broken, [], `${name}: a date or time breaks across lines or sticks out of its box`);
    return times.map((time) => time.text);
  } finally {
    await context.close();
  }
}

const authorize = (overrides: Record<string, string>) => `${bridge.url}/alexa/authorize?${authorizeQuery(overrides)}`;

test('the sign-in page, and with a wrong password, fit a phone', async () => {
  await onPhone('consent', authorize({ client_id: LONG_CLIENT, redirect_uri: LONG_REDIRECT }));
  await onPhone('consent-wrong-password', authorize({}), async (page) => {
    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.getByRole('alert').waitFor();
  });
});

test('the error pages fit a phone, a long redirect URI or client id included', async () => {
  await onPhone('error-redirect-uri', authorize({ client_id: LONG_CLIENT, redirect_uri: `${LONG_REDIRECT}/not-registered/${'z'.repeat(80)}` }));
  await onPhone('error-unknown-client', authorize({ client_id: `${LONG_CLIENT}-${'q'.repeat(80)}`, redirect_uri: LAYLA }));
  await onPhone('error-missing-parameters', `${bridge.url}/alexa/authorize`);
});

test('every admin page fits a phone', async () => {
  await onPhone('admin-signed-out', `${admin}/`);
  // Outside ingress the admin page needs a session: a one-time link, as `admin-link` prints it.
  const cookie = await adminSessionCookie(bridge.dataDir);
  await onPhone('admin-overview', `${admin}/`, (page) => page.getByRole('heading', { name: 'Set-up checks' }).waitFor(), cookie);
  const accountTimes = await onPhone('admin-accounts', `${admin}/accounts`, undefined, cookie);
  assert.equal(accountTimes.length, 4, `linked since and last refresh, each a date and a time: ${accountTimes.join(' | ')}`);
  await onPhone('admin-clients', `${admin}/clients`, undefined, cookie);
  await onPhone('admin-flows', `${admin}/flows`, undefined, cookie);
  const flowId = bridge.daemon.context.store.flows.toArray().at(-1)!.id;
  await onPhone('admin-flow-detail', `${admin}/flows/${flowId}`, undefined, cookie);
  await onPhone('admin-flow-unknown', `${admin}/flows/no-such-flow`, undefined, cookie);
});
