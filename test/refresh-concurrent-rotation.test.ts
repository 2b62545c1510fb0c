// Issue 9 item 2: refresh-token rotation as Amazon's account-linking requirements and RFC 9700
// §4.14.2 want it. A rotated refresh token stays valid until a later one has been used (time does
// not retire it); once a later one has been used, an older one is reuse: invalid_grant and the
// grant revoked. Real HTTP, requests sent at the same time and again, the test clock moved.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { LIVE_REFRESH_TOKENS } from '../src/oauth/grants/refreshToken.ts';
import { hashSecret } from '../src/oauth/secrets.ts';
import { configWarnings, loadConfig } from '../src/config/load.ts';
import { startBridge, type TestBridge } from './helpers/bridge.ts';
import { latestDiagnosis } from './helpers/diagnostics.ts';
import { assertOAuthError, exchange, isActive, newCode, refresh, seededBridge, tokensOf } from './helpers/oauth.ts';

async function linked(bridge: TestBridge): Promise<{ access: string; refresh: string }> {
  return tokensOf(await exchange(bridge.url, await newCode(bridge.url)));
}

function grantOf(bridge: TestBridge, refreshToken: string) {
  const location = bridge.daemon.context.store.tokens.find(hashSecret(refreshToken))!;
  return bridge.daemon.context.store.grants.get(location.grantId)!;
}

for (const kept of ['first', 'second'] as const) {
  test(`two refreshes at once with one token: both 200, and the ${kept} answer still refreshes an hour later`, async (t) => {
    const bridge = await seededBridge(t);
    const first = await linked(bridge);
    const [a, b] = await Promise.all([refresh(bridge.url, first.refresh), refresh(bridge.url, first.refresh)]);
    const answers = [tokensOf(a), tokensOf(b)];
    assert.notEqual(answers[0]!.refresh, answers[1]!.refresh);
    bridge.clock.advance(3700); // past any grace of the old rule (refresh_grace max 3600)
    const keptTokens = answers[kept === 'first' ? 0 : 1]!;
    const next = tokensOf(await refresh(bridge.url, keptTokens.refresh));
    assert.equal(await isActive(bridge.url, next.access), true);
    tokensOf(await refresh(bridge.url, next.refresh));
    assert.equal(grantOf(bridge, next.refresh).revokedAt, undefined);
  });
}

test('an answer lost on its way: the retry with the old token two minutes later works, and so does the link after it', async (t) => {
  const bridge = await seededBridge(t);
  const first = await linked(bridge);
  tokensOf(await refresh(bridge.url, first.refresh)); // R2: never arrives
  bridge.clock.advance(120);
  const retried = tokensOf(await refresh(bridge.url, first.refresh));
  bridge.clock.advance(86_400);
  const next = tokensOf(await refresh(bridge.url, retried.refresh));
  assert.equal(await isActive(bridge.url, next.access), true);
});

test('the same refresh sent twice at once, twice in a row (a retrying client): every answer 200, the link alive', async (t) => {
  const bridge = await seededBridge(t);
  let current = (await linked(bridge)).refresh;
  for (let round = 0; round < 3; round++) {
    bridge.clock.advance(3700); // Alexa refreshes about hourly
    const replies = await Promise.all([refresh(bridge.url, current), refresh(bridge.url, current)]);
    const [again] = await Promise.all([refresh(bridge.url, current)]);
    current = tokensOf(replies[round % 2]!).refresh;
    tokensOf(again);
  }
  tokensOf(await refresh(bridge.url, current));
});

test('once a successor was used, the older token is reuse: invalid_grant, the whole grant revoked, no grace', async (t) => {
  const bridge = await seededBridge(t);
  const r1 = await linked(bridge);
  const r2 = tokensOf(await refresh(bridge.url, r1.refresh));
  const r3 = tokensOf(await refresh(bridge.url, r2.refresh)); // R2 used: R1 retires at once
  assertOAuthError(await refresh(bridge.url, r1.refresh), 400, 'invalid_grant');
  assert.equal(await isActive(bridge.url, r3.access), false);
  assertOAuthError(await refresh(bridge.url, r3.refresh), 400, 'invalid_grant');
  const { reason, cause } = latestDiagnosis(bridge);
  assert.equal(reason, 'refresh_token_revoked');
  assert.match(cause, /refresh token #0 was used again after its successor #1 had been used/);
});

test('the reuse diagnosis names both uses: the older token’s and its successor’s', async (t) => {
  const bridge = await seededBridge(t);
  const r1 = await linked(bridge);
  const r2 = tokensOf(await refresh(bridge.url, r1.refresh)); // R1 first used 12:00:00
  bridge.clock.advance(3600);
  tokensOf(await refresh(bridge.url, r2.refresh)); // R2 used 13:00:00
  bridge.clock.advance(60);
  assertOAuthError(await refresh(bridge.url, r1.refresh), 400, 'invalid_grant');
  const { reason, cause } = latestDiagnosis(bridge);
  assert.equal(reason, 'refresh_token_reused');
  assert.match(cause, /Refresh token #0 \(issued 2026-11-22 12:00:00 UTC, first used 2026-11-22 12:00:00 UTC\) was presented again at 2026-11-22 13:01:00 UTC, after its successor #1 had been used at 2026-11-22 13:00:00 UTC/);
  assert.match(cause, /the whole linked account was revoked \(RFC 9700 §4\.14\.2\)/);
});

test('a sibling issued by a concurrent refresh stays valid while only older tokens retire', async (t) => {
  const bridge = await seededBridge(t);
  const r1 = await linked(bridge);
  const [a, b] = (await Promise.all([refresh(bridge.url, r1.refresh), refresh(bridge.url, r1.refresh)])).map(tokensOf);
  tokensOf(await refresh(bridge.url, a!.refresh)); // the older sibling used: R1 retires, the newer sibling stays
  assertOAuthError(await refresh(bridge.url, r1.refresh), 400, 'invalid_grant');
  assert.ok(grantOf(bridge, b!.refresh).revokedAt, 'reuse of R1 revoked the grant');
});

test(`storage stays bounded: 30 refreshes at once with one token keep at most ${LIVE_REFRESH_TOKENS} live, and the presented and newest work`, async (t) => {
  const bridge = await seededBridge(t);
  const r1 = await linked(bridge);
  const replies = await Promise.all(Array.from({ length: 30 }, () => refresh(bridge.url, r1.refresh)));
  const tokens = replies.map(tokensOf);
  const grant = grantOf(bridge, r1.refresh);
  assert.equal(grant.refreshTokens.length, LIVE_REFRESH_TOKENS);
  assert.ok(grant.retiredRefreshTokens.length <= 8);
  // An answer dropped unused (one the grant still remembers): refused, without revoking the link.
  const superseded = new Set(grant.retiredRefreshTokens.filter((token) => token.why === 'superseded').map((token) => token.hash));
  const dropped = tokens.find((pair) => superseded.has(hashSecret(pair.refresh)))!;
  assertOAuthError(await refresh(bridge.url, dropped.refresh), 400, 'invalid_grant');
  assert.equal(latestDiagnosis(bridge).reason, 'refresh_token_superseded');
  assert.equal(grant.revokedAt, undefined);
  const newest = tokens.find((pair) => hashSecret(pair.refresh) === grant.refreshTokens.at(-1)!.hash)!;
  tokensOf(await refresh(bridge.url, newest.refresh));
  // 30 retries in a row of lost answers: the token presented is never the one dropped.
  const own = await seededBridge(t);
  const lost = await linked(own);
  for (let i = 0; i < 30; i++) tokensOf(await refresh(own.url, lost.refresh));
  assert.equal(grantOf(own, lost.refresh).refreshTokens.length, LIVE_REFRESH_TOKENS);
  tokensOf(await refresh(own.url, lost.refresh));
});

test('every rotation is on disk before the answer: a restart keeps both concurrent answers valid', async (t) => {
  const bridge = await seededBridge(t);
  const r1 = await linked(bridge);
  const [a, b] = (await Promise.all([refresh(bridge.url, r1.refresh), refresh(bridge.url, r1.refresh)])).map(tokensOf);
  await bridge.stop();
  const again = await startBridge({ dataDir: bridge.dataDir, clock: bridge.clock });
  t.after(() => again.stop());
  const grant = grantOf(again, a!.refresh);
  assert.deepEqual(grant.refreshTokens.map((token) => token.seq), [0, 1, 2]);
  // Either answer refreshes: first the one issued first, then the other (issued later, so still live).
  const [earlier, later] = grant.refreshTokens[1]!.hash === hashSecret(a!.refresh) ? [a!, b!] : [b!, a!];
  tokensOf(await refresh(again.url, earlier.refresh));
  tokensOf(await refresh(again.url, later.refresh));
});

test('grants.json version 1 (and its journal) migrates: the token rotated last still works, older ones are reuse', async (t) => {
  const bridge = await seededBridge(t);
  const r1 = await linked(bridge);
  const r2 = tokensOf(await refresh(bridge.url, r1.refresh));
  const r3 = tokensOf(await refresh(bridge.url, r2.refresh));
  const grant: Record<string, unknown> = { ...grantOf(bridge, r3.refresh) };
  const codes = [...bridge.daemon.context.store.codes.values()];
  await bridge.stop();
  // Write the same state the way 0.1 stored it: current token R3, rotated R2 (newest first) and R1.
  const path = join(bridge.dataDir, 'grants.json');
  const t0 = grant['createdAt'] as number;
  const v1Grant = { ...grant, refreshTokens: undefined, refreshToken: { hash: hashSecret(r3.refresh), issuedAt: t0, expiresAt: t0 + 7_776_000_000 }, retiredRefreshTokens: [{ hash: hashSecret(r2.refresh), rotatedAt: t0 }, { hash: hashSecret(r1.refresh), rotatedAt: t0 }] };
  delete v1Grant.refreshTokens;
  // The snapshot holds the grant before its last change; the journal line holds the v1 record.
  await writeFile(path, JSON.stringify({ version: 1, seq: 1, codes, grants: [{ ...v1Grant, refreshCount: 1 }] }));
  await writeFile(join(bridge.dataDir, 'grants.journal'), `${JSON.stringify({ seq: 2, changes: { grants: { put: [v1Grant], deleted: [] } } })}\n`);
  const migrated = await startBridge({ dataDir: bridge.dataDir, clock: bridge.clock });
  t.after(() => migrated.stop());
  assert.equal(JSON.parse(await readFile(path, 'utf8')).version, 2);
  assert.deepEqual(grantOf(migrated, r3.refresh).refreshTokens.map((token) => token.seq), [1, 2]);
  migrated.clock.advance(7200); // the old 60 s grace is long gone
  tokensOf(await refresh(migrated.url, r2.refresh));
  assertOAuthError(await refresh(migrated.url, r1.refresh), 400, 'invalid_grant');
  assert.equal(latestDiagnosis(migrated).reason, 'refresh_token_reused');
});

test('refresh_grace is still read, so old config files start, and says it has no effect', () => {
  const config = loadConfig({ env: { BRIDGE_REFRESH_GRACE: '3600', BRIDGE_DATA_DIR: '/tmp/unused' } });
  assert.ok(configWarnings(config).some((line) => /^refresh_grace no longer has an effect/.test(line)), configWarnings(config).join('\n'));
  assert.ok(!configWarnings(loadConfig({ env: {} })).some((line) => line.includes('refresh_grace')));
});
