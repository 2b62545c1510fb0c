// Issue 9 item 1: after "Allow", Amazon's redirect URI (pitangui.amazon.com) answers with a
// further redirect to another Amazon host (skills-store.amazon.com). Chromium applies the consent
// page's CSP `form-action` to every hop of a redirect chain started by a form post, so a policy
// naming only the first host stranded the person on the consent page. Real Chromium, with both
// Amazon hosts served by TLS stand-ins on loopback (`--host-resolver-rules`).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import { freePort } from './helpers/cli.ts';
import { PASSWORD, seedAlexa, startBridge, tempDir, TestClock, USERNAME, VENDOR_ID, type TestBridge } from './helpers/bridge.ts';
import { launchChromium, PHONE, screenshot } from './helpers/browser.ts';
import { authorizeQuery } from './helpers/http.ts';

const run = promisify(execFile);
const RESULT_PATH = '/external/link-result';

let browser: Browser;
let bridge: TestBridge;
let pitangui: Server;
let skillsStore: Server;
let layla: Server;
/** Every request the stand-ins saw, as `host path`. */
const seen: string[] = [];

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

before(async () => {
  const dir = await tempDir('bridge-amazon-');
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  await run('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=amazon.com', '-days', '1',
    '-addext', 'subjectAltName=DNS:pitangui.amazon.com,DNS:skills-store.amazon.com,DNS:layla.amazon.com',
    '-keyout', key, '-out', cert,
  ]);
  const tls = { cert: await readFile(cert), key: await readFile(key) };
  // Amazon's account-linking endpoint: takes the code, sends the browser on to its result page.
  pitangui = createServer(tls, (req, res) => {
    seen.push(`pitangui.amazon.com ${req.url}`);
    const code = new URL(req.url!, 'https://pitangui.amazon.com').searchParams.get('code') ?? '';
    res.writeHead(302, { location: `https://skills-store.amazon.com${RESULT_PATH}?linked=${code ? 'yes' : 'no'}` }).end();
  });
  skillsStore = createServer(tls, (req, res) => {
    seen.push(`skills-store.amazon.com ${req.url}`);
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><meta name="viewport" content="width=device-width"><h1>Linked</h1>');
  });
  // The control: a redirect URI that answers the page itself, no second hop.
  layla = createServer(tls, (req, res) => {
    seen.push(`layla.amazon.com ${req.url}`);
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><h1>Linked (one hop)</h1>');
  });
  const rules = [
    `MAP pitangui.amazon.com 127.0.0.1:${await listen(pitangui)}`,
    `MAP skills-store.amazon.com 127.0.0.1:${await listen(skillsStore)}`,
    `MAP layla.amazon.com 127.0.0.1:${await listen(layla)}`,
  ];
  const port = await freePort();
  bridge = await startBridge({ clock: new TestClock(), env: { BRIDGE_PORT: String(port), BRIDGE_PUBLIC_URL: `http://127.0.0.1:${port}` } });
  await seedAlexa(bridge);
  browser = await launchChromium([`--host-resolver-rules=${rules.join(', ')}`]);
});

after(async () => {
  await browser?.close();
  await bridge?.stop();
  for (const server of [pitangui, skillsStore, layla]) server?.close();
});

async function allowOnPhone(redirectUri: string, name: string): Promise<{ url: string; heading: string | null }> {
  // The stand-ins' certificate is self-signed; the bridge itself is plain HTTP on loopback.
  const context = await browser.newContext({ ...PHONE, ignoreHTTPSErrors: true });
  try {
    const page = await context.newPage();
    await page.goto(`${bridge.url}/alexa/authorize?${authorizeQuery({ redirect_uri: redirectUri, state: `chain-${name}` })}`);
    await page.getByLabel('Username').fill(USERNAME);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Allow' }).click();
    // Either the chain ends on the result page, or Chromium blocks a hop and the consent page stays.
    await page.locator('h1', { hasText: /^Linked/ }).waitFor({ timeout: 15_000 }).catch(() => undefined);
    await screenshot(page, `consent-chain-${name}`);
    return { url: page.url(), heading: await page.locator('h1').first().textContent() };
  } finally {
    await context.close();
  }
}

test('after Allow, the browser follows Amazon on to its result page on another host', async () => {
  const landed = await allowOnPhone(`https://pitangui.amazon.com/api/skill/link/${VENDOR_ID}`, 'two-hops');
  assert.equal(landed.url, `https://skills-store.amazon.com${RESULT_PATH}?linked=yes`);
  assert.equal(landed.heading, 'Linked');
  assert.ok(seen.some((line) => line.startsWith(`pitangui.amazon.com /api/skill/link/${VENDOR_ID}?code=`)), seen.join('\n'));
});

test('control: a redirect URI that answers itself, no second hop', async () => {
  const landed = await allowOnPhone(`https://layla.amazon.com/api/skill/link/${VENDOR_ID}`, 'one-hop');
  assert.match(landed.url, new RegExp(`^https://layla\\.amazon\\.com/api/skill/link/${VENDOR_ID}\\?code=[A-Za-z0-9_-]{43}&state=chain-one-hop&iss=`));
  assert.equal(landed.heading, 'Linked (one hop)');
});

test('the consent page’s policy still forbids scripts, framing and other origins', async () => {
  const response = await fetch(`${bridge.url}/alexa/authorize?${authorizeQuery({ redirect_uri: `https://pitangui.amazon.com/api/skill/link/${VENDOR_ID}` })}`);
  const policy = response.headers.get('content-security-policy')!;
  assert.match(policy, /default-src 'none'/);
  assert.match(policy, /frame-ancestors 'none'/);
  assert.match(policy, /base-uri 'none'/);
  assert.doesNotMatch(policy, /form-action/);
});
