// A code_challenge in standard base64 that kept its = padding has two mistakes; the diagnosis
// names both at once, as it names the alphabet when the padding was stripped.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { authorizeQuery, getPage } from './helpers/http.ts';
import { latestDiagnosis, NO_ADMIN } from './helpers/diagnostics.ts';
import { sharedBridge } from './helpers/oauth.ts';

const bridge = sharedBridge({ env: NO_ADMIN });

/** A verifier whose SHA-256 in standard base64 has a + or a /, so the alphabet mistake shows. */
function standardBase64Challenge(): string {
  for (;;) {
    const challenge = createHash('sha256').update(randomBytes(32).toString('base64url')).digest('base64');
    if (/[+/]/.test(challenge)) return challenge;
  }
}

async function refusedChallenge(challenge: string): Promise<{ location: URL; cause: string }> {
  const page = await getPage(bridge().url, authorizeQuery({ code_challenge: challenge, code_challenge_method: 'S256' }));
  assert.equal(page.status, 303);
  const location = new URL(page.headers.get('location')!);
  assert.equal(location.searchParams.get('error'), 'invalid_request');
  return { location, cause: latestDiagnosis(bridge()).cause };
}

test('standard base64 with its = padding: the diagnosis names the alphabet and the padding', async () => {
  const challenge = standardBase64Challenge();
  assert.ok(challenge.endsWith('='));
  const { cause } = await refusedChallenge(challenge);
  assert.match(cause, /it is standard base64 \(it has \+ or \/\) and keeps the = padding/);
});

test('standard base64 without the padding: the alphabet only', async () => {
  const { cause } = await refusedChallenge(standardBase64Challenge().replace(/=+$/, ''));
  assert.match(cause, /it has \+ or \/, so it is standard base64/);
  assert.doesNotMatch(cause, /padding/);
});

test('base64url that kept its = padding: the padding only', async () => {
  const { cause } = await refusedChallenge(`${createHash('sha256').update('v').digest('base64url')}=`);
  assert.match(cause, /it keeps the = padding/);
  assert.doesNotMatch(cause, /standard base64/);
});
