import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CLIENT_ID, ISSUER, LAYLA, PITANGUI } from './helpers/bridge.ts';
import { authorizeQuery, getPage } from './helpers/http.ts';
import { PUBLIC_CLIENT_ID, PUBLIC_REDIRECT, addPublicClient, sharedBridge } from './helpers/oauth.ts';
import { pkcePair } from './helpers/pkce.ts';

const bridge = sharedBridge({}, addPublicClient);

/** The client or redirect URI cannot be trusted: a page for the person, never a redirect (RFC 6749 §4.1.2.1). */
async function assertErrorPage(query: URLSearchParams | string): Promise<void> {
  const page = await getPage(bridge().url, query);
  assert.equal(page.status, 400);
  assert.equal(page.headers.get('location'), null);
  assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
  assert.doesNotMatch(page.html, /<form/);
}

/** Every other problem goes back to the redirect URI; returns the response parameters. */
async function redirectedError(query: URLSearchParams | string, redirectUri = LAYLA): Promise<URLSearchParams> {
  const response = await fetch(`${bridge().url}/alexa/authorize?${query}`, { redirect: 'manual' });
  await response.body?.cancel();
  assert.equal(response.status, 303);
  const location = new URL(response.headers.get('location')!);
  assert.equal(`${location.origin}${location.pathname}`, redirectUri);
  // RFC 9207 §2: the issuer on every authorization response, errors too.
  assert.equal(location.searchParams.get('iss'), ISSUER);
  return location.searchParams;
}

test('an unknown client_id gets a 400 error page and no redirect', async () => {
  await assertErrorPage(authorizeQuery({ client_id: 'no-such-client' }));
});

test('a missing client_id gets a 400 error page', async () => {
  await assertErrorPage(authorizeQuery({ client_id: undefined }));
});

// RFC 9700 §4.1.3: redirect URIs are compared as exact strings.
const unregistered: [string, string][] = [
  ['a trailing slash', `${LAYLA}/`],
  ['the host in another case', LAYLA.replace('layla.amazon.com', 'Layla.Amazon.com')],
  ['an added query', `${LAYLA}?x=1`],
  ["another vendor's Alexa URI", 'https://layla.amazon.com/api/skill/link/M2OTHERVENDOR'],
  ['a foreign host', 'https://evil.example/api/skill/link/M2TESTVENDOR42'],
];
for (const [difference, redirectUri] of unregistered) {
  test(`a redirect_uri that differs by ${difference} gets a 400 error page, never a redirect`, async () => {
    await assertErrorPage(authorizeQuery({ redirect_uri: redirectUri }));
  });
}

test('a missing redirect_uri gets a 400 error page', async () => {
  await assertErrorPage(authorizeQuery({ redirect_uri: undefined }));
});

for (const name of ['client_id', 'redirect_uri']) {
  test(`a repeated ${name} gets a 400 error page`, async () => {
    const query = authorizeQuery();
    query.append(name, query.get(name)!);
    await assertErrorPage(query);
  });
}

test('a valid request gets the sign-in page', async () => {
  const page = await getPage(bridge().url, authorizeQuery());
  assert.equal(page.status, 200);
  assert.equal(page.hidden['client_id'], CLIENT_ID);
  assert.equal(page.hidden['redirect_uri'], LAYLA);
});

test('the error redirect goes to whichever registered URI was asked for', async () => {
  const params = await redirectedError(authorizeQuery({ redirect_uri: PITANGUI, response_type: 'token' }), PITANGUI);
  assert.equal(params.get('error'), 'unsupported_response_type');
});

test('response_type=token is redirected back as unsupported_response_type with state and iss', async () => {
  const params = await redirectedError(authorizeQuery({ response_type: 'token' }));
  assert.equal(params.get('error'), 'unsupported_response_type');
  assert.equal(params.get('state'), 'amzn-state-123');
  assert.equal(params.has('code'), false);
});

test('a missing response_type is redirected back as invalid_request', async () => {
  const params = await redirectedError(authorizeQuery({ response_type: undefined }));
  assert.equal(params.get('error'), 'invalid_request');
  assert.equal(params.get('state'), 'amzn-state-123');
});

test('a scope outside the client’s is redirected back as invalid_scope', async () => {
  const params = await redirectedError(authorizeQuery({ scope: 'alexa admin' }));
  assert.equal(params.get('error'), 'invalid_scope');
  assert.equal(params.get('state'), 'amzn-state-123');
});

// RFC 7636 §4.3 defaults to plain; the issue allows S256 only.
test('code_challenge_method=plain is redirected back as invalid_request', async () => {
  const { verifier } = pkcePair();
  const params = await redirectedError(authorizeQuery({ code_challenge: verifier, code_challenge_method: 'plain' }));
  assert.equal(params.get('error'), 'invalid_request');
  assert.equal(params.get('state'), 'amzn-state-123');
});

test('a code_challenge without a method (plain by default) is redirected back as invalid_request', async () => {
  const params = await redirectedError(authorizeQuery({ code_challenge: pkcePair().challenge }));
  assert.equal(params.get('error'), 'invalid_request');
});

// RFC 9700 §2.1.1: PKCE is a public client's only proof.
test('a public client without code_challenge is redirected back as invalid_request', async () => {
  const query = authorizeQuery({ client_id: PUBLIC_CLIENT_ID, redirect_uri: PUBLIC_REDIRECT });
  const params = await redirectedError(query, PUBLIC_REDIRECT);
  assert.equal(params.get('error'), 'invalid_request');
  assert.equal(params.get('state'), 'amzn-state-123');
});

test('a public client with an S256 code_challenge gets the sign-in page', async () => {
  const query = authorizeQuery({ client_id: PUBLIC_CLIENT_ID, redirect_uri: PUBLIC_REDIRECT, code_challenge: pkcePair().challenge, code_challenge_method: 'S256' });
  assert.equal((await getPage(bridge().url, query)).status, 200);
});

// RFC 6749 §3.1: request parameters must not be included more than once.
test('a repeated state is redirected back as invalid_request', async () => {
  const query = authorizeQuery();
  query.append('state', 'second-state');
  const params = await redirectedError(query);
  assert.equal(params.get('error'), 'invalid_request');
  assert.equal(params.has('code'), false);
});

test('a repeated scope is redirected back as invalid_request with state', async () => {
  const query = authorizeQuery();
  query.append('scope', 'music');
  const params = await redirectedError(query);
  assert.equal(params.get('error'), 'invalid_request');
  assert.equal(params.get('state'), 'amzn-state-123');
});

// RFC 9207 §3.
test('the metadata says authorization_response_iss_parameter_supported: true', async () => {
  const metadata = (await (await fetch(`${bridge().url}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>;
  assert.equal(metadata['authorization_response_iss_parameter_supported'], true);
});
