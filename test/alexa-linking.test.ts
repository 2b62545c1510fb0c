import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CLIENT_ID, CLIENT_SECRET, ISSUER, LAYLA, seedAlexa, startBridge } from './helpers/bridge.ts';
import { basic, getPage, postForm, submitConsent, tokenRequest } from './helpers/http.ts';

// The linking exactly as Amazon sends it: https://developer.amazon.com/en-US/docs/alexa/account-linking/configure-authorization-code-grant.html
test('an Alexa account link survives a daemon restart, replayed as Amazon sends it', async (t) => {
  let bridge = await startBridge();
  t.after(() => bridge.stop());
  await seedAlexa(bridge);
  const dataDir = bridge.dataDir;

  // 1. Alexa's app opens the authorization URI with these five parameters.
  const query = new URLSearchParams({ client_id: CLIENT_ID, response_type: 'code', state: 'A2SAAEAEH6bG0P', scope: 'alexa', redirect_uri: LAYLA });
  const page = await getPage(bridge.url, query);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type')!, /^text\/html/);
  assert.match(page.html, /<form method="post" action="https:\/\/bridge\.example\.test\/alexa\/authorize">/);

  // 2. The person signs in and allows.
  const consent = await submitConsent(bridge.url, page);
  assert.equal(consent.status, 303);
  const location = new URL(consent.headers.get('location')!);
  assert.equal(`${location.origin}${location.pathname}`, LAYLA);
  assert.equal(location.searchParams.get('state'), 'A2SAAEAEH6bG0P');
  assert.equal(location.searchParams.get('iss'), ISSUER);
  const code = location.searchParams.get('code')!;
  assert.match(code, /^[A-Za-z0-9_-]{43}$/);

  // 3. Amazon exchanges the code with HTTP Basic, sending redirect_uri too.
  const exchanged = await tokenRequest(bridge.url, { grant_type: 'authorization_code', code, redirect_uri: LAYLA });
  assert.equal(exchanged.status, 200);
  assert.equal(exchanged.headers.get('cache-control'), 'no-store');
  assert.equal(exchanged.headers.get('pragma'), 'no-cache');
  assert.deepEqual(Object.keys(exchanged.json).sort(), ['access_token', 'expires_in', 'refresh_token', 'scope', 'token_type']);
  assert.equal(exchanged.json['token_type'], 'Bearer');
  assert.equal(exchanged.json['expires_in'], 3600);
  assert.equal(exchanged.json['scope'], 'alexa');

  // 4. The same exchange with the credentials in the body (the console's other scheme), on a new link.
  const secondPage = await getPage(bridge.url, query);
  const second = new URL((await submitConsent(bridge.url, secondPage)).headers.get('location')!).searchParams.get('code')!;
  const posted = await tokenRequest(
    bridge.url,
    { grant_type: 'authorization_code', code: second, redirect_uri: LAYLA, client_id: CLIENT_ID, client_secret: CLIENT_SECRET },
    {},
  );
  assert.equal(posted.status, 200);

  // 5. A refresh, as Alexa does when the access token expires.
  const refreshed = await tokenRequest(bridge.url, { grant_type: 'refresh_token', refresh_token: exchanged.json['refresh_token'] as string });
  assert.equal(refreshed.status, 200);
  assert.notEqual(refreshed.json['refresh_token'], exchanged.json['refresh_token']);

  // 6. The daemon restarts (an add-on update, a power cut): nobody must re-link.
  await bridge.stop();
  bridge = await startBridge({ dataDir });
  const afterRestart = await tokenRequest(bridge.url, { grant_type: 'refresh_token', refresh_token: refreshed.json['refresh_token'] as string });
  assert.equal(afterRestart.status, 200);
  const introspected = await postForm(`${bridge.url}/alexa/introspect`, new URLSearchParams({ token: afterRestart.json['access_token'] as string }), basic());
  const body = (await introspected.json()) as Record<string, unknown>;
  assert.equal(body['active'], true);
  assert.equal(body['username'], 'alice');
  // And the access token issued before the restart still works too.
  const before = await postForm(`${bridge.url}/alexa/introspect`, new URLSearchParams({ token: refreshed.json['access_token'] as string }), basic());
  assert.equal(((await before.json()) as Record<string, unknown>)['active'], true);
});
