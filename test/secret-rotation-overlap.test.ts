import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CLIENT_ID, CLIENT_SECRET } from './helpers/bridge.ts';
import { assertFailedWithOneLine, runCli } from './helpers/cli.ts';
import { cliOk, seedAlexaWithCli, tempDir } from './helpers/daemon-process.ts';
import { basic } from './helpers/http.ts';
import { assertOAuthError, exchange, newCode, refresh, seededBridge, tokensOf } from './helpers/oauth.ts';
import { checkClients } from '../src/doctor/setupChecks.ts';
import { DEFAULT_SECRET_OVERLAP_MS, endSecretOverlap, rotateClientSecret, showClient } from '../src/services/clients.ts';

// `client rotate-secret` used to cut every request with the old secret at once: Alexa failed
// every refresh until the new secret was in the console. The old one now keeps working for a
// stated overlap (default 24 h), shown in `client show` and `doctor`, and can be ended early.

test('after a rotation both secrets work until the overlap ends, then only the new one (HTTP Basic and client_secret_post)', async (t) => {
  const bridge = await seededBridge(t);
  let { refresh: token } = tokensOf(await exchange(bridge.url, await newCode(bridge.url)));
  const rotated = await rotateClientSecret(bridge.daemon.context, CLIENT_ID);
  const newSecret = rotated.client_secret!;
  assert.equal(DEFAULT_SECRET_OVERLAP_MS, 24 * 3600_000);
  const until = new Date(bridge.clock.now + DEFAULT_SECRET_OVERLAP_MS).toISOString();
  assert.equal(rotated.old_secret_valid_until, until);
  assert.equal(showClient(bridge.daemon.context, CLIENT_ID).old_secret_valid_until, until);

  token = tokensOf(await refresh(bridge.url, token, {}, basic(CLIENT_ID, CLIENT_SECRET))).refresh;
  token = tokensOf(await refresh(bridge.url, token, { client_id: CLIENT_ID, client_secret: CLIENT_SECRET }, {})).refresh;
  token = tokensOf(await refresh(bridge.url, token, {}, basic(CLIENT_ID, newSecret))).refresh;

  // doctor's client checks (the whole doctor would also probe the public URL, which is not ours here).
  const overlap = checkClients(bridge.daemon.context).find((check) => check.id === `secret-overlap:${CLIENT_ID}`);
  assert.equal(overlap?.status, 'warn');
  assert.ok(overlap.message.includes(until), overlap.message);
  assert.equal(overlap.fix, `Once the new secret is saved in the Alexa console, end the overlap: node dist/cli.js client end-overlap ${CLIENT_ID}`);

  bridge.clock.advance(DEFAULT_SECRET_OVERLAP_MS / 1000 - 1);
  token = tokensOf(await refresh(bridge.url, token, {}, basic(CLIENT_ID, CLIENT_SECRET))).refresh; // last second of the overlap
  bridge.clock.advance(1);
  assertOAuthError(await refresh(bridge.url, token, {}, basic(CLIENT_ID, CLIENT_SECRET)), 401, 'invalid_client');
  assertOAuthError(await refresh(bridge.url, token, { client_id: CLIENT_ID, client_secret: CLIENT_SECRET }, {}), 401, 'invalid_client');
  tokensOf(await refresh(bridge.url, token, {}, basic(CLIENT_ID, newSecret)));
  assert.equal(showClient(bridge.daemon.context, CLIENT_ID).old_secret_valid_until, undefined);
  assert.equal(checkClients(bridge.daemon.context).some((check) => check.id === `secret-overlap:${CLIENT_ID}`), false);
});

test('--keep-old 0 and end-overlap stop the old secret at once; a second rotation keeps only the latest old secret', async (t) => {
  const bridge = await seededBridge(t);
  const { refresh: token } = tokensOf(await exchange(bridge.url, await newCode(bridge.url)));
  const first = (await rotateClientSecret(bridge.daemon.context, CLIENT_ID, 0)).client_secret!;
  assertOAuthError(await refresh(bridge.url, token, {}, basic(CLIENT_ID, CLIENT_SECRET)), 401, 'invalid_client');

  const second = (await rotateClientSecret(bridge.daemon.context, CLIENT_ID, 3600_000)).client_secret!;
  const third = (await rotateClientSecret(bridge.daemon.context, CLIENT_ID, 3600_000)).client_secret!;
  assertOAuthError(await refresh(bridge.url, token, {}, basic(CLIENT_ID, first)), 401, 'invalid_client');
  let next = tokensOf(await refresh(bridge.url, token, {}, basic(CLIENT_ID, second))).refresh;

  assert.deepEqual(await endSecretOverlap(bridge.daemon.context, CLIENT_ID), { client_id: CLIENT_ID, ended: true });
  assertOAuthError(await refresh(bridge.url, next, {}, basic(CLIENT_ID, second)), 401, 'invalid_client');
  next = tokensOf(await refresh(bridge.url, next, {}, basic(CLIENT_ID, third))).refresh;
  assert.deepEqual(await endSecretOverlap(bridge.daemon.context, CLIENT_ID), { client_id: CLIENT_ID, ended: false });
});

test('the CLI: rotate-secret says until when the old secret works, client show and doctor show it, end-overlap ends it, a bad --keep-old is a usage error', async () => {
  const dataDir = await tempDir();
  await seedAlexaWithCli(dataDir);
  const rotated = JSON.parse(await cliOk(['client', 'rotate-secret', CLIENT_ID, '--keep-old', '2h', '--json'], { dataDir })) as Record<string, string>;
  const until = Date.parse(rotated['old_secret_valid_until']!);
  assert.ok(Math.abs(until - (Date.now() + 2 * 3600_000)) < 600_000, rotated['old_secret_valid_until']);
  const shown = JSON.parse(await cliOk(['client', 'show', CLIENT_ID, '--json'], { dataDir })) as Record<string, string>;
  assert.equal(shown['old_secret_valid_until'], rotated['old_secret_valid_until']);
  assert.match(await cliOk(['client', 'show', CLIENT_ID], { dataDir }), /old_secret_valid_until/);
  const doctor = await runCli(['doctor'], { dataDir });
  assert.match(doctor.stdout, /node dist\/cli\.js client end-overlap alexa-skill/, doctor.stdout);

  const human = await cliOk(['client', 'rotate-secret', CLIENT_ID], { dataDir });
  assert.match(human, /keeps working until \d{4}-\d\d-\d\dT.*node dist\/cli\.js client end-overlap alexa-skill/);
  assert.match(await cliOk(['client', 'end-overlap', CLIENT_ID], { dataDir }), /no longer works/);
  const after = JSON.parse(await cliOk(['client', 'show', CLIENT_ID, '--json'], { dataDir })) as Record<string, string>;
  assert.equal(after['old_secret_valid_until'], undefined);
  assert.match(await cliOk(['client', 'rotate-secret', CLIENT_ID, '--keep-old', '0'], { dataDir }), /The old secret no longer works/);

  const bad = await runCli(['client', 'rotate-secret', CLIENT_ID, '--keep-old', 'tomorrow'], { dataDir });
  assert.equal(bad.code, 2, bad.stderr);
  assert.match(bad.stderr, /24h, 30m, 7d/);
  assertFailedWithOneLine(await runCli(['client', 'rotate-secret', CLIENT_ID, '--keep-old', '31d'], { dataDir }), /from 0 up to 30 days/);
});
