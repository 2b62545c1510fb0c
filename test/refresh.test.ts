import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TestBridge } from './helpers/bridge.ts';
import { basic } from './helpers/http.ts';
import {
  OTHER_CLIENT_ID,
  OTHER_CLIENT_SECRET,
  addOtherClient,
  assertOAuthError,
  exchange,
  introspect,
  isActive,
  newCode,
  refresh,
  seededBridge,
  sharedBridge,
  tokensOf,
} from './helpers/oauth.ts';

const bridge = sharedBridge({}, addOtherClient);
const url = () => bridge().url;

async function linked(on: TestBridge = bridge(), scope = 'alexa'): Promise<{ access: string; refresh: string }> {
  return tokensOf(await exchange(on.url, await newCode(on.url, { scope })));
}

// RFC 9700 §4.14.2: refresh token rotation.
test('each refresh returns a new access token and a new refresh token', async () => {
  const first = await linked();
  const second = tokensOf(await refresh(url(), first.refresh));
  assert.notEqual(second.refresh, first.refresh);
  assert.notEqual(second.access, first.access);
  const third = tokensOf(await refresh(url(), second.refresh));
  assert.notEqual(third.refresh, second.refresh);
});

test('a retry of the rotated refresh token gets a valid pair however late, and the link keeps working', async () => {
  const first = await linked();
  tokensOf(await refresh(url(), first.refresh)); // this answer is lost on its way to Alexa
  bridge().clock.advance(7200);
  const retried = tokensOf(await refresh(url(), first.refresh));
  assert.equal(await isActive(url(), retried.access), true);
  const next = tokensOf(await refresh(url(), retried.refresh));
  assert.equal(await isActive(url(), next.access), true);
});

test('a rotated refresh token used after its successor was used is invalid_grant and revokes the whole grant', async () => {
  const first = await linked();
  const second = tokensOf(await refresh(url(), first.refresh));
  const third = tokensOf(await refresh(url(), second.refresh));
  assertOAuthError(await refresh(url(), first.refresh), 400, 'invalid_grant');
  assert.equal(await isActive(url(), third.access), false);
  assertOAuthError(await refresh(url(), third.refresh), 400, 'invalid_grant');
});

test('an unknown refresh token is invalid_grant and revokes nothing', async () => {
  const tokens = await linked();
  assertOAuthError(await refresh(url(), `${tokens.refresh.slice(0, -2)}xx`), 400, 'invalid_grant');
  assert.equal(await isActive(url(), tokens.access), true);
  tokensOf(await refresh(url(), tokens.refresh));
});

test('a refresh token presented by another client is invalid_grant and revokes nothing', async () => {
  const tokens = await linked();
  assertOAuthError(await refresh(url(), tokens.refresh, {}, basic(OTHER_CLIENT_ID, OTHER_CLIENT_SECRET)), 400, 'invalid_grant');
  assert.equal(await isActive(url(), tokens.access), true);
  tokensOf(await refresh(url(), tokens.refresh));
});

test('a refresh may narrow the scope, and the new access token carries only the narrowed scope', async () => {
  const tokens = await linked(bridge(), 'alexa music');
  const narrowed = await refresh(url(), tokens.refresh, { scope: 'alexa' });
  assert.equal(narrowed.json['scope'], 'alexa');
  const { access } = tokensOf(narrowed);
  assert.equal((await introspect(url(), access)).json['scope'], 'alexa');
});

test('a refresh asking for more scope than granted is invalid_scope', async () => {
  const tokens = await linked();
  assertOAuthError(await refresh(url(), tokens.refresh, { scope: 'alexa music' }), 400, 'invalid_scope');
  tokensOf(await refresh(url(), tokens.refresh));
});

test('the refresh token idle lifetime (BRIDGE_REFRESH_TOKEN_TTL) is renewed on every refresh', async (t) => {
  const own = await seededBridge(t, { env: { BRIDGE_REFRESH_TOKEN_TTL: '7200' } });
  let tokens = await linked(own);
  own.clock.advance(3600);
  tokens = tokensOf(await refresh(own.url, tokens.refresh));
  own.clock.advance(3600); // 7200 s after the link: only alive because the last refresh renewed it
  tokens = tokensOf(await refresh(own.url, tokens.refresh));
  own.clock.advance(7201);
  assertOAuthError(await refresh(own.url, tokens.refresh), 400, 'invalid_grant');
});
