import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ISSUER, PASSWORD, USERNAME } from './helpers/bridge.ts';
import { authorizeQuery, getPage, postForm, submitConsent, type Page } from './helpers/http.ts';
import { seededBridge, sharedBridge } from './helpers/oauth.ts';

const bridge = sharedBridge();

const page = () => getPage(bridge().url, authorizeQuery());

/** The message the page shows after a failed attempt. */
function pageMessage(html: string): string | undefined {
  return /<p class="error"[^>]*>([^<]*)<\/p>/.exec(html)?.[1];
}

/** A refused sign-in: the page again, 400, with a message, no redirect; returns the message. */
async function assertRefused(response: Response): Promise<string> {
  const html = await response.text();
  assert.equal(response.status, 400);
  assert.equal(response.headers.get('location'), null);
  assert.match(html, /<form method="post"/);
  const message = pageMessage(html);
  assert.ok(message, 'the page says what went wrong');
  return message;
}

async function assertRedirect(response: Response): Promise<URLSearchParams> {
  await response.body?.cancel();
  // After a form post: 303, never 307, which would replay the password to the client (RFC 9700 §4.11).
  assert.equal(response.status, 303);
  const params = new URL(response.headers.get('location')!).searchParams;
  assert.equal(params.get('state'), 'amzn-state-123');
  assert.equal(params.get('iss'), ISSUER);
  return params;
}

test('the sign-in page is one post form with username, password and approve/deny buttons, mobile-friendly and script-free', async () => {
  const { status, html } = await page();
  assert.equal(status, 200);
  assert.match(html, /<meta name="viewport" content="width=device-width, initial-scale=1">/);
  assert.equal(html.match(/<form\b/g)?.length, 1);
  assert.match(html, /<form method="post"/);
  assert.match(html, /<input [^>]*name="username"/);
  assert.match(html, /<input type="password" [^>]*name="password"/);
  assert.match(html, /<button type="submit" name="decision" value="approve"/);
  assert.match(html, /<button type="submit" name="decision" value="deny"/);
  assert.doesNotMatch(html, /<script/i);
  assert.doesNotMatch(html, /target="_blank"|window\.open/);
});

test('the page names the application and the access it asks for', async () => {
  const { html } = await page();
  assert.match(html, /<strong>Music Skill<\/strong> asks/);
  assert.match(html, /<li><code>alexa<\/code><\/li>/);
});

test('the page cannot be framed, sets no form-action (Amazon redirects on), and is not cached', async () => {
  const { headers, html } = await page();
  assert.equal(headers.get('x-frame-options'), 'DENY');
  const csp = headers.get('content-security-policy') ?? '';
  assert.match(csp, /frame-ancestors 'none'/);
  // test/consent-redirect-chain.test.ts shows why form-action must not be set.
  assert.doesNotMatch(csp, /form-action/);
  assert.match(html, new RegExp(`<form method="post" action="${ISSUER}/alexa/authorize"`));
  assert.equal(headers.get('cache-control'), 'no-store');
});

test('the page sends no CORS headers, even to a request with an Origin', async () => {
  const response = await fetch(`${bridge().url}/alexa/authorize?${authorizeQuery()}`, { headers: { origin: 'https://evil.example' } });
  await response.body?.cancel();
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('access-control-allow-origin'), null);
  assert.equal(response.headers.get('access-control-allow-credentials'), null);
});

function postWithout(shown: Page, options: { csrfToken?: boolean; cookie?: boolean }): Promise<Response> {
  const fields = new URLSearchParams({ ...shown.hidden, username: USERNAME, password: PASSWORD, decision: 'approve' });
  if (options.csrfToken === false) fields.delete('csrf_token');
  return postForm(`${bridge().url}/alexa/authorize`, fields, options.cookie === false ? {} : { cookie: shown.cookie });
}

test('a post without the page’s csrf_token is refused with a 403 page', async () => {
  const response = await postWithout(await page(), { csrfToken: false });
  assert.equal(response.status, 403);
  assert.equal(response.headers.get('location'), null);
  assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
  assert.doesNotMatch(await response.text(), /<form/);
});

test('a post with the csrf_token but without the cookie is refused with a 403 page', async () => {
  const response = await postWithout(await page(), { cookie: false });
  await response.body?.cancel();
  assert.equal(response.status, 403);
  assert.equal(response.headers.get('location'), null);
});

test('a csrf_token from another page’s cookie is refused', async () => {
  const [first, second] = [await page(), await page()];
  const response = await postForm(
    `${bridge().url}/alexa/authorize`,
    new URLSearchParams({ ...first.hidden, username: USERNAME, password: PASSWORD, decision: 'approve' }),
    { cookie: second.cookie },
  );
  await response.body?.cancel();
  assert.equal(response.status, 403);
});

test('a wrong password shows the page again with a message, no redirect, the username kept', async () => {
  const response = await submitConsent(bridge().url, await page(), { password: 'not the password' });
  const html = await response.clone().text();
  await assertRefused(response);
  assert.match(html, /name="username" value="alice"/);
});

test('an unknown user gets the same message as a wrong password', async () => {
  const wrongPassword = await assertRefused(await submitConsent(bridge().url, await page(), { password: 'not the password' }));
  const unknownUser = await assertRefused(await submitConsent(bridge().url, await page(), { username: 'mallory' }));
  assert.equal(unknownUser, wrongPassword);
});

test('deny redirects with error=access_denied, state and iss', async () => {
  const params = await assertRedirect(await submitConsent(bridge().url, await page(), { decision: 'deny' }));
  assert.equal(params.get('error'), 'access_denied');
  assert.equal(params.has('code'), false);
});

test('approve with the right password redirects with 303, code, state and iss', async () => {
  const params = await assertRedirect(await submitConsent(bridge().url, await page()));
  assert.match(params.get('code') ?? '', /^[A-Za-z0-9_-]{43,}$/);
  assert.equal(params.has('error'), false);
});

test('a user not in BRIDGE_ALLOWED_USERS is refused like a wrong password', async (t) => {
  const restricted = await seededBridge(t, { env: { BRIDGE_ALLOWED_USERS: 'bob' } });
  const shown = await getPage(restricted.url, authorizeQuery());
  const wrongPassword = await assertRefused(await submitConsent(restricted.url, shown, { password: 'not the password' }));
  const notAllowed = await assertRefused(await submitConsent(restricted.url, shown));
  assert.equal(notAllowed, wrongPassword);
});

test('a state with HTML in it is escaped on the page and comes back unchanged in the redirect', async () => {
  const state = '"><script>alert(1)</script><input name="x';
  const shown = await getPage(bridge().url, authorizeQuery({ state }));
  assert.equal(shown.status, 200);
  assert.doesNotMatch(shown.html, /<script/i);
  assert.equal(shown.hidden['state'], state);
  const response = await submitConsent(bridge().url, shown);
  await response.body?.cancel();
  assert.equal(new URL(response.headers.get('location')!).searchParams.get('state'), state);
});
