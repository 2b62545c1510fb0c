import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CLIENT_ID, ISSUER, USERNAME } from './helpers/bridge.ts';
import { basic } from './helpers/http.ts';
import {
  OTHER_CLIENT_ID,
  OTHER_CLIENT_SECRET,
  PUBLIC_CLIENT_ID,
  addOtherClient,
  addPublicClient,
  assertOAuthError,
  exchange,
  introspect,
  isActive,
  newCode,
  refresh,
  revoke,
  sharedBridge,
  tokensOf,
  type Reply,
} from './helpers/oauth.ts';

const bridge = sharedBridge({}, async (started) => {
  await addOtherClient(started);
  await addPublicClient(started);
});
const url = () => bridge().url;

async function linked(): Promise<{ access: string; refresh: string }> {
  return tokensOf(await exchange(url(), await newCode(url())));
}

function assertRevoked(reply: Reply): void {
  assert.equal(reply.status, 200);
}

// RFC 7009 §2.1: revoking a refresh token ends the access tokens of the same grant too.
test('revoking a refresh token also ends the access token of its grant', async () => {
  const tokens = await linked();
  assertRevoked(await revoke(url(), tokens.refresh));
  assert.equal(await isActive(url(), tokens.access), false);
  assert.equal(await isActive(url(), tokens.refresh), false);
  assertOAuthError(await refresh(url(), tokens.refresh), 400, 'invalid_grant');
});

test('revoking an access token ends it alone: the refresh token still works', async () => {
  const tokens = await linked();
  assertRevoked(await revoke(url(), tokens.access));
  assert.equal(await isActive(url(), tokens.access), false);
  const renewed = tokensOf(await refresh(url(), tokens.refresh));
  assert.equal(await isActive(url(), renewed.access), true);
});

// RFC 7009 §2.2: an invalid token is not an error.
test('revoking an unknown token answers 200', async () => {
  assertRevoked(await revoke(url(), 'no-such-token-0123456789012345678901234567'));
});

test('revoking another client’s token answers 200 and leaves it active', async () => {
  const tokens = await linked();
  assertRevoked(await revoke(url(), tokens.refresh, basic(OTHER_CLIENT_ID, OTHER_CLIENT_SECRET)));
  assert.equal(await isActive(url(), tokens.access), true);
  assert.equal(await isActive(url(), tokens.refresh), true);
});

// RFC 7009 §2.1: the client authenticates.
test('revocation without client authentication is 401 invalid_client and revokes nothing', async () => {
  const tokens = await linked();
  assertOAuthError(await revoke(url(), tokens.refresh, {}), 401, 'invalid_client');
  assert.equal(await isActive(url(), tokens.access), true);
});

// RFC 7662 §2.2.
test('introspecting an active access token says active, scope, client_id, username, sub, exp, iat, token_type and iss', async () => {
  const issuedAt = Math.floor(bridge().clock.now / 1000);
  const tokens = await linked();
  const reply = await introspect(url(), tokens.access);
  assert.equal(reply.status, 200);
  assert.deepEqual(reply.json, {
    active: true,
    scope: 'alexa',
    client_id: CLIENT_ID,
    username: USERNAME,
    sub: USERNAME,
    token_type: 'Bearer',
    exp: issuedAt + 3600,
    iat: issuedAt,
    iss: ISSUER,
  });
});

test('introspecting an expired access token says only {active: false}', async () => {
  const tokens = await linked();
  bridge().clock.advance(3601);
  const reply = await introspect(url(), tokens.access);
  assert.equal(reply.status, 200);
  assert.deepEqual(reply.json, { active: false });
});

test('a public client cannot introspect: 401 invalid_client', async () => {
  const tokens = await linked();
  assertOAuthError(await introspect(url(), tokens.access, {}, { client_id: PUBLIC_CLIENT_ID }), 401, 'invalid_client');
});

test('introspection without client authentication is 401 invalid_client', async () => {
  assertOAuthError(await introspect(url(), (await linked()).access, {}), 401, 'invalid_client');
});
