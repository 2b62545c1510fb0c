// The endpoint a request came to is known from the route, never guessed from the body.
// Regression: a revocation that carried grant_type=refresh_token was recorded as the link's first refresh.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { basic, postForm } from './helpers/http.ts';
import { latestFlow, NO_ADMIN } from './helpers/diagnostics.ts';
import { exchange, introspect, newCode, readReply, refresh, seededBridge, tokensOf } from './helpers/oauth.ts';

test('a revocation carrying grant_type=refresh_token: revoked, and no refresh step in the flow', async (t) => {
  const bridge = await seededBridge(t, { env: NO_ADMIN });
  const tokens = tokensOf(await exchange(bridge.url, await newCode(bridge.url)));
  const body = new URLSearchParams({ token: tokens.refresh, grant_type: 'refresh_token', refresh_token: tokens.refresh });
  const reply = await readReply(await postForm(`${bridge.url}/alexa/revoke`, body, basic()));
  assert.equal(reply.status, 200);
  const flow = latestFlow(bridge);
  assert.deepEqual(flow.steps.map((step) => step.step).slice(-1), ['tokens-issued']);
  assert.ok(!flow.steps.some((step) => step.step === 'refreshed'), JSON.stringify(flow.steps));
  assert.equal((await refresh(bridge.url, tokens.refresh)).status, 400, 'the revocation ended the link');
  assert.equal(latestFlow(bridge).steps.at(-1)!.step, 'refresh-failed');
});

test('an introspection carrying grant_type=authorization_code: recorded as the first introspection', async (t) => {
  const bridge = await seededBridge(t, { env: NO_ADMIN });
  const tokens = tokensOf(await exchange(bridge.url, await newCode(bridge.url)));
  const reply = await introspect(bridge.url, tokens.access, basic(), { grant_type: 'authorization_code', code: 'not-a-code' });
  assert.equal(reply.json['active'], true);
  const steps = latestFlow(bridge).steps.map((step) => step.step);
  assert.deepEqual(steps.slice(-2), ['tokens-issued', 'introspected']);
  assert.ok(!steps.includes('token-failed'), steps.join(' '));
});
