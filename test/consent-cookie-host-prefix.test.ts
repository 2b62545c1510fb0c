// Issue 11 item 6, first bullet: the consent page's CSRF cookie takes the `__Host-` prefix when the
// issuer is https (RFC 6265bis §4.1.3.2: Secure, Path=/, no Domain, so neither plain-http traffic
// nor a sibling subdomain can plant or overwrite it), and a post the browser marks as cross-site
// (Fetch Metadata, `Sec-Fetch-Site: cross-site`) is refused whatever it carries.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createHmac } from 'node:crypto';
import { ISSUER } from './helpers/bridge.ts';
import { authorizeQuery, getPage, submitConsent } from './helpers/http.ts';
import { seededBridge, sharedBridge } from './helpers/oauth.ts';

const bridge = sharedBridge();

test('an https issuer: the cookie is __Host-bridge_csrf, Secure, Path=/, HttpOnly, SameSite=Lax, no Domain', async () => {
  assert.ok(ISSUER.startsWith('https://'));
  const response = await fetch(`${bridge().url}/alexa/authorize?${authorizeQuery()}`);
  await response.body?.cancel();
  const [cookie] = response.headers.getSetCookie();
  assert.match(cookie!, /^__Host-bridge_csrf=[\w-]{32}; Path=\/; HttpOnly; SameSite=Lax; Secure$/);
  assert.doesNotMatch(cookie!, /Domain=/i);
});

test('an http issuer (trying things out): plain bridge_csrf, not Secure, on the form’s path', async (t) => {
  const own = await seededBridge(t, { env: { BRIDGE_PUBLIC_URL: 'http://127.0.0.1:1' } });
  const response = await fetch(`${own.url}/alexa/authorize?${authorizeQuery()}`);
  await response.body?.cancel();
  assert.match(response.headers.getSetCookie()[0]!, /^bridge_csrf=[\w-]+; Path=\/alexa\/authorize; HttpOnly; SameSite=Lax$/);
});

test('with an https issuer, a cookie without the prefix (planted over http or by a subdomain) is not believed', async () => {
  const page = await getPage(bridge().url, authorizeQuery());
  const value = page.cookie.split('=')[1]!;
  const response = await submitConsent(bridge().url, { ...page, cookie: `bridge_csrf=${value}` });
  assert.equal(response.status, 403);
  assert.equal(response.headers.get('location'), null);
  assert.match(await response.text(), /This page has expired/);
  // And a token made for a planted value is worthless too: the key is the daemon's own.
  const forged = createHmac('sha256', 'guess').update('planted').digest('base64url');
  const planted = await submitConsent(bridge().url, { ...page, cookie: '__Host-bridge_csrf=planted', hidden: { ...page.hidden, csrf_token: forged } });
  assert.equal(planted.status, 403);
  await planted.body?.cancel();
});

test('a post the browser marks cross-site is refused with the page’s own cookie and token; same-origin, same-site, none and no header pass', async () => {
  const refused = await submitConsent(bridge().url, await getPage(bridge().url, authorizeQuery()), {}, { 'sec-fetch-site': 'cross-site' });
  assert.equal(refused.status, 403);
  assert.equal(refused.headers.get('location'), null);
  assert.match(await refused.text(), /This page has expired/);
  for (const site of ['same-origin', 'same-site', 'none', undefined]) {
    const page = await getPage(bridge().url, authorizeQuery());
    const response = await submitConsent(bridge().url, page, {}, site ? { 'sec-fetch-site': site } : {});
    assert.equal(response.status, 303, `Sec-Fetch-Site: ${site ?? '(none)'}`);
    assert.ok(new URL(response.headers.get('location')!).searchParams.get('code'));
  }
});
