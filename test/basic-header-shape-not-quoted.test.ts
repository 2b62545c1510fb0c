// A malformed Authorization header is refused, and the diagnosis says what is wrong with its
// shape without ever quoting it: its base64 decodes to the client's id and secret.
// Regression: `Basic<TAB><base64(id:secret)>` put the secret into flows.json, the log and `flows`.
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { CLIENT_ID, CLIENT_SECRET } from './helpers/bridge.ts';
import { latestDiagnosis, NO_ADMIN } from './helpers/diagnostics.ts';
import { assertOAuthError, exchange, newCode, sharedBridge } from './helpers/oauth.ts';

const bridge = sharedBridge({ env: NO_ADMIN });

const SECRET = 'tab-canary-secret-5e1f0c';
const encoded = Buffer.from(`${CLIENT_ID}:${SECRET}`).toString('base64');

const SHAPES: [string, string, RegExp][] = [
  ['Basic followed by a tab', `Basic\t${encoded}`, /Basic is followed by a tab; RFC 7617 wants a space/],
  ['Basic with no space', `Basic${encoded}`, /Basic is followed by the credentials without a space/],
  ['another scheme', `Bearer ${encoded}`, /it does not start with the Basic scheme/],
  ['id:secret not encoded', `Basic ${CLIENT_ID}:${SECRET}`, /the id:secret pair is not base64-encoded/],
  ['base64 without a colon', `Basic ${Buffer.from(SECRET).toString('base64')}`, /its base64 value does not decode to id:secret/],
  ['Basic alone', 'Basic', /it says Basic and nothing after it/],
];

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

for (const [name, header, described] of SHAPES) {
  test(`${name}: 401 invalid_client, the diagnosis describes the shape, quotes nothing`, async () => {
    const reply = await exchange(bridge().url, await newCode(bridge().url), {}, { authorization: header });
    assertOAuthError(reply, 401, 'invalid_client');
    assert.equal(reply.json['error_description'], 'malformed HTTP Basic credentials');
    const { reason, cause, flow } = latestDiagnosis(bridge());
    assert.equal(reason, 'client_auth_malformed');
    assert.match(cause, described);
    const shown = JSON.stringify(flow);
    for (const secret of [SECRET, encoded, Buffer.from(SECRET).toString('base64')]) {
      assert.ok(!shown.includes(secret), `the flow quotes ${secret}: ${shown}`);
      assert.ok(!bridge().logText().includes(secret), `the log quotes ${secret}`);
    }
  });
}

test('nothing on disk holds the secrets either (flows.json and its journal, once written)', async () => {
  await bridge().daemon.stop();
  for (const file of await filesUnder(bridge().dataDir)) {
    const text = await readFile(file, 'utf8');
    assert.ok(!text.includes(SECRET) && !text.includes(encoded), `${file} holds a secret`);
  }
  assert.ok(!CLIENT_SECRET.includes(SECRET));
});
