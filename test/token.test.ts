import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addClient } from '../src/services/clients.ts';
import { CLIENT_ID, CLIENT_SECRET, LAYLA, PITANGUI, VENDOR_ID, type TestBridge } from './helpers/bridge.ts';
import { authorize, authorizeQuery, basic, postForm } from './helpers/http.ts';
import {
  OTHER_CLIENT_ID,
  OTHER_CLIENT_SECRET,
  PUBLIC_CLIENT_ID,
  PUBLIC_REDIRECT,
  addOtherClient,
  addPublicClient,
  assertOAuthError,
  exchange,
  isActive,
  newCode,
  readReply,
  refresh,
  sharedBridge,
  tokensOf,
  type Reply,
} from './helpers/oauth.ts';
import { challengeParams, pkcePair } from './helpers/pkce.ts';

/** A client whose secret needs the RFC 6749 §2.3.1 form-urlencoding, and reads differently once decoded. */
const ODD_CLIENT_ID = 'odd-secret-skill';
const ODD_CLIENT_SECRET = 'p+ss:w%41rd with spaces!';

const bridge = sharedBridge({}, async (started: TestBridge) => {
  await addOtherClient(started);
  await addPublicClient(started);
  await addClient(started.daemon.context, { id: ODD_CLIENT_ID, secret: ODD_CLIENT_SECRET, alexaVendorId: VENDOR_ID, scopes: ['alexa'] });
});
const url = () => bridge().url;

/** RFC 6749 §5.1/§5.2: no token endpoint answer may be cached. */
function assertNoStore(reply: Reply): void {
  assert.equal(reply.headers.get('cache-control'), 'no-store');
  assert.equal(reply.headers.get('pragma'), 'no-cache');
}

function assertTokenError(reply: Reply, status: number, error: string): void {
  assertOAuthError(reply, status, error);
  assertNoStore(reply);
}

async function postToken(body: string, headers: Record<string, string> = basic()): Promise<Reply> {
  return readReply(await postForm(`${url()}/alexa/token`, body, headers));
}

/** A code issued with a PKCE challenge; returns it and the verifier. */
async function codeWithChallenge(overrides: Record<string, string> = {}): Promise<{ code: string; verifier: string }> {
  const { verifier, challenge } = pkcePair();
  return { code: await newCode(url(), { ...challengeParams(challenge), ...overrides }), verifier };
}

test('a code exchange returns access_token, token_type Bearer, expires_in, refresh_token and scope, not cached', async () => {
  const reply = await exchange(url(), await newCode(url()));
  assert.equal(reply.status, 200);
  assert.deepEqual(Object.keys(reply.json).sort(), ['access_token', 'expires_in', 'refresh_token', 'scope', 'token_type']);
  assert.equal(reply.json['token_type'], 'Bearer');
  assert.equal(reply.json['expires_in'], 3600);
  assert.equal(reply.json['scope'], 'alexa');
  assert.match(reply.json['access_token'] as string, /^[A-Za-z0-9_-]{43,}$/);
  assert.match(reply.json['refresh_token'] as string, /^[A-Za-z0-9_-]{43,}$/);
  assertNoStore(reply);
});

// RFC 6749 §4.1.2: a code used twice revokes the tokens issued from it.
test('a second use of a code is invalid_grant and revokes the tokens of the first use', async () => {
  const code = await newCode(url());
  const first = tokensOf(await exchange(url(), code));
  assertTokenError(await exchange(url(), code), 400, 'invalid_grant');
  assert.equal(await isActive(url(), first.access), false);
  assert.equal(await isActive(url(), first.refresh), false);
  assertTokenError(await refresh(url(), first.refresh), 400, 'invalid_grant');
});

// OAuth 2.1 §4.1.3: only a replay with the right bindings counts as a use.
test('a replay with a wrong redirect_uri is invalid_grant and revokes nothing', async () => {
  const code = await newCode(url());
  const first = tokensOf(await exchange(url(), code));
  assertTokenError(await exchange(url(), code, { redirect_uri: PITANGUI }), 400, 'invalid_grant');
  assert.equal(await isActive(url(), first.access), true);
  tokensOf(await refresh(url(), first.refresh));
});

test('a code exchange without redirect_uri is invalid_request', async () => {
  const body = new URLSearchParams({ grant_type: 'authorization_code', code: await newCode(url()) });
  assertTokenError(await postToken(String(body)), 400, 'invalid_request');
});

test('a code lives BRIDGE_CODE_TTL (300 s), then is invalid_grant', async () => {
  const [early, late] = [await newCode(url()), await newCode(url())];
  bridge().clock.advance(299);
  tokensOf(await exchange(url(), early));
  bridge().clock.advance(2);
  assertTokenError(await exchange(url(), late), 400, 'invalid_grant');
});

test('a code is bound to its client: another client gets invalid_grant, and the code still works for its own', async () => {
  const code = await newCode(url());
  assertTokenError(await exchange(url(), code, {}, basic(OTHER_CLIENT_ID, OTHER_CLIENT_SECRET)), 400, 'invalid_grant');
  tokensOf(await exchange(url(), code));
});

test('PKCE S256: the right code_verifier gets tokens', async () => {
  const { code, verifier } = await codeWithChallenge();
  tokensOf(await exchange(url(), code, { code_verifier: verifier }));
});

test('PKCE: a wrong code_verifier is invalid_grant', async () => {
  const { code } = await codeWithChallenge();
  assertTokenError(await exchange(url(), code, { code_verifier: pkcePair().verifier }), 400, 'invalid_grant');
});

test('PKCE: no code_verifier when a challenge was sent is invalid_grant', async () => {
  const { code } = await codeWithChallenge();
  assertTokenError(await exchange(url(), code), 400, 'invalid_grant');
});

// RFC 9700 §2.1.1: a verifier for a code that had no challenge is a downgrade attempt.
test('PKCE: a code_verifier for a code issued without a challenge is invalid_grant', async () => {
  const code = await newCode(url());
  assertTokenError(await exchange(url(), code, { code_verifier: pkcePair().verifier }), 400, 'invalid_grant');
});

async function publicCode(): Promise<{ code: string; verifier: string }> {
  const { verifier, challenge } = pkcePair();
  const query = authorizeQuery({ client_id: PUBLIC_CLIENT_ID, redirect_uri: PUBLIC_REDIRECT, ...challengeParams(challenge) });
  return { code: (await authorize(url(), query)).get('code')!, verifier };
}

test('a public client with PKCE and no secret gets tokens (method none)', async () => {
  const { code, verifier } = await publicCode();
  const reply = await exchange(url(), code, { client_id: PUBLIC_CLIENT_ID, redirect_uri: PUBLIC_REDIRECT, code_verifier: verifier }, {});
  tokensOf(reply);
  assertNoStore(reply);
});

test('a public client without code_verifier is invalid_grant', async () => {
  const { code } = await publicCode();
  assertTokenError(await exchange(url(), code, { client_id: PUBLIC_CLIENT_ID, redirect_uri: PUBLIC_REDIRECT }, {}), 400, 'invalid_grant');
});

/** RFC 6749 §2.3.1 / Appendix B: client id and secret are form-urlencoded before Basic. */
function formEncoded(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

function basicHeader(id: string, secret: string): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}` };
}

test('client_secret_basic with form-urlencoded credentials (RFC 6749 §2.3.1) works', async () => {
  assert.notEqual(formEncoded(ODD_CLIENT_SECRET), ODD_CLIENT_SECRET);
  const code = await newCode(url(), { client_id: ODD_CLIENT_ID });
  tokensOf(await exchange(url(), code, {}, basicHeader(formEncoded(ODD_CLIENT_ID), formEncoded(ODD_CLIENT_SECRET))));
});

test('client_secret_basic with raw credentials works', async () => {
  const code = await newCode(url(), { client_id: ODD_CLIENT_ID });
  tokensOf(await exchange(url(), code, {}, basicHeader(ODD_CLIENT_ID, ODD_CLIENT_SECRET)));
});

function assertBasicChallenge(reply: Reply): void {
  assertTokenError(reply, 401, 'invalid_client');
  assert.match(reply.headers.get('www-authenticate') ?? '', /^Basic\b/);
}

// RFC 6749 §5.2: a failed Basic authentication is a 401 with the scheme's challenge.
test('Basic with a wrong secret is 401 invalid_client with WWW-Authenticate: Basic', async () => {
  assertBasicChallenge(await exchange(url(), await newCode(url()), {}, basic(CLIENT_ID, 'wrong-secret-0123456789')));
});

test('Basic with an unknown client is 401 invalid_client with WWW-Authenticate: Basic', async () => {
  assertBasicChallenge(await exchange(url(), 'whatever', {}, basic('no-such-client', CLIENT_SECRET)));
});

test('client_secret_post with a wrong secret is 401 invalid_client', async () => {
  const reply = await exchange(url(), await newCode(url()), { client_id: CLIENT_ID, client_secret: 'wrong-secret-0123456789' }, {});
  assertTokenError(reply, 401, 'invalid_client');
});

test('Basic and client_secret in the body together are invalid_request', async () => {
  const reply = await exchange(url(), await newCode(url()), { client_id: CLIENT_ID, client_secret: CLIENT_SECRET });
  assertTokenError(reply, 400, 'invalid_request');
});

test('a confidential client that sends no secret is 401 invalid_client', async () => {
  assertTokenError(await exchange(url(), await newCode(url()), { client_id: CLIENT_ID }, {}), 401, 'invalid_client');
});

test('a request with no client at all is 401 invalid_client', async () => {
  assertTokenError(await exchange(url(), await newCode(url()), {}, {}), 401, 'invalid_client');
});

for (const grantType of ['password', 'client_credentials', 'foo']) {
  test(`grant_type=${grantType} is unsupported_grant_type`, async () => {
    assertTokenError(await postToken(`grant_type=${grantType}&username=alice&password=x`), 400, 'unsupported_grant_type');
  });
}

test('a missing grant_type is invalid_request', async () => {
  assertTokenError(await postToken(`code=abc&redirect_uri=${encodeURIComponent(LAYLA)}`), 400, 'invalid_request');
});

// RFC 6749 §3.2: parameters must not be included more than once.
test('a repeated parameter is invalid_request', async () => {
  const code = await newCode(url());
  const reply = await postToken(`grant_type=authorization_code&code=${code}&code=${code}&redirect_uri=${encodeURIComponent(LAYLA)}`);
  assertTokenError(reply, 400, 'invalid_request');
});

// Bodies are flat name=value pairs (RFC 6749 Appendix B); `a[b]` and `a.b` are plain names, not objects.
for (const body of ['grant_type[x]=authorization_code&code=abc', 'grant_type.x=authorization_code&code=abc', 'grant_type=authorization_code&code[a]=abc&redirect_uri=x']) {
  test(`nested-looking names stay flat: ${body} is invalid_request, not a 500`, async () => {
    assertTokenError(await postToken(body), 400, 'invalid_request');
  });
}

test('a JSON body is invalid_request', async () => {
  const response = await fetch(`${url()}/alexa/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...basic() },
    body: JSON.stringify({ grant_type: 'authorization_code', code: 'abc', redirect_uri: LAYLA }),
  });
  assertTokenError(await readReply(response), 400, 'invalid_request');
});

test('a body over 16 kB is refused with 413 JSON', async () => {
  const reply = await postToken(`grant_type=authorization_code&code=${'a'.repeat(17 * 1024)}`);
  assertTokenError(reply, 413, 'invalid_request');
});
