// RFC 6749 §2.3.1: HTTP Basic credentials are form-urlencoded before base64. oauth4webapi does it
// strictly (`-` → %2D, `_` → %5F); Alexa sends them raw. Both must get the same answers, and the
// diagnosis must name the client that authentication decoded, never the raw %2D form.
// Regression: a wrong secret for `alexa-skill`, strictly encoded, was a 500 server_error.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addClient } from '../src/services/clients.ts';
import { CLIENT_ID, CLIENT_SECRET, LAYLA } from './helpers/bridge.ts';
import { latestDiagnosis, NO_ADMIN } from './helpers/diagnostics.ts';
import { assertOAuthError, exchange, newCode, sharedBridge, tokensOf } from './helpers/oauth.ts';

const SECOND_ID = 'second_skill-2';
const SECOND_SECRET = 'second-secret_0123456789';

/** Form-urlencoding as RFC 6749 Appendix B wants it, as oauth4webapi does: every character but A-Z a-z 0-9 is escaped. */
function strict(value: string): string {
  return [...Buffer.from(value, 'utf8')].map((byte) => (/[A-Za-z0-9]/.test(String.fromCharCode(byte)) ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
}

function strictBasic(id: string, secret: string): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${strict(id)}:${strict(secret)}`).toString('base64')}` };
}

const bridge = sharedBridge({ env: NO_ADMIN }, async (started) => {
  await addClient(started.daemon.context, { id: SECOND_ID, secret: SECOND_SECRET, redirectUris: [LAYLA], scopes: ['alexa'] });
});

test('strictly encoded, right secret: tokens', async () => {
  tokensOf(await exchange(bridge().url, await newCode(bridge().url), {}, strictBasic(CLIENT_ID, CLIENT_SECRET)));
});

test('strictly encoded, wrong secret for alexa-skill: 401 invalid_client, and the diagnosis names alexa-skill', async () => {
  const reply = await exchange(bridge().url, await newCode(bridge().url), {}, strictBasic(CLIENT_ID, 'not-the-secret'));
  assertOAuthError(reply, 401, 'invalid_client');
  assert.equal(reply.json['error_description'], 'client authentication failed');
  assert.equal(reply.headers.get('www-authenticate'), 'Basic realm="alexa-oauth-bridge", charset="UTF-8"');
  const { reason, cause, flow } = latestDiagnosis(bridge());
  assert.equal(reason, 'wrong_client_secret');
  assert.match(cause, /^Client alexa-skill sent a wrong secret in HTTP Basic\./);
  assert.equal(flow.stopped_at, 'token');
  assert.doesNotMatch(JSON.stringify(flow), /%2D/);
});

test('strictly encoded, another registered client with - and _ in its id: the diagnosis names it decoded', async () => {
  const code = await newCode(bridge().url, { client_id: SECOND_ID });
  const reply = await exchange(bridge().url, code, {}, strictBasic(SECOND_ID, 'wrong_secret'));
  assertOAuthError(reply, 401, 'invalid_client');
  const { reason, cause } = latestDiagnosis(bridge());
  assert.equal(reason, 'wrong_client_secret');
  assert.match(cause, new RegExp(`^Client ${SECOND_ID} sent a wrong secret`));
});

test('strictly encoded, the right secret of the second client: tokens', async () => {
  const code = await newCode(bridge().url, { client_id: SECOND_ID });
  tokensOf(await exchange(bridge().url, code, {}, strictBasic(SECOND_ID, SECOND_SECRET)));
});

test('strictly encoded, an unknown client: the diagnosis names the id as decoded', async () => {
  const reply = await exchange(bridge().url, 'no-such-code', {}, strictBasic('no-such', 'whatever'));
  assertOAuthError(reply, 401, 'invalid_client');
  const { reason, cause } = latestDiagnosis(bridge());
  assert.equal(reason, 'unknown_client');
  assert.match(cause, /names client_id “no-such”, which is not registered here/);
});
