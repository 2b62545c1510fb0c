import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hashSecret } from '../src/oauth/secrets.ts';
import { Store } from '../src/storage/store.ts';
import { runUpkeep, type UpkeepJob } from '../src/upkeep/scheduler.ts';
import { purgeExpired } from '../src/upkeep/purge.ts';
import { seedAlexa, startBridge } from './helpers/bridge.ts';
import { authorize, link, tokenRequest } from './helpers/http.ts';

const DAY = 86_400;

test('upkeep purges expired codes a day after they expire, and ended grants after 30 days', async (t) => {
  const bridge = await startBridge();
  t.after(() => bridge.stop());
  await seedAlexa(bridge);
  const context = bridge.daemon.context;
  await authorize(bridge.url); // a code never exchanged
  const kept = await link(bridge.url);
  const revoked = await link(bridge.url);
  const grantIds = [...context.store.grants.values()].map((grant) => grant.id);
  const revokedId = grantIds.find((id) => context.store.tokens.find(hashSecret(revoked.refresh_token))?.grantId === id)!;
  const second = await tokenRequest(bridge.url, { grant_type: 'refresh_token', refresh_token: revoked.refresh_token });
  await tokenRequest(bridge.url, { grant_type: 'refresh_token', refresh_token: second.json['refresh_token'] as string });
  await tokenRequest(bridge.url, { grant_type: 'refresh_token', refresh_token: revoked.refresh_token }); // reuse: revoked

  assert.deepEqual(await purgeExpired(context), { codes: 0, grants: 0 });
  bridge.clock.advance(DAY + 300);
  assert.deepEqual(await purgeExpired(context), { codes: 3, grants: 0 });
  bridge.clock.advance(30 * DAY);
  assert.deepEqual(await purgeExpired(context), { codes: 0, grants: 1 });
  assert.equal(context.store.grants.get(revokedId), undefined);
  // The live link is untouched, on disk too.
  const refreshed = await tokenRequest(bridge.url, { grant_type: 'refresh_token', refresh_token: kept.refresh_token });
  assert.equal(refreshed.status, 200);
  await bridge.stop();
  const onDisk = await Store.open(bridge.dataDir);
  t.after(() => onDisk.close());
  assert.equal(onDisk.grants.size, 1);
  assert.equal(onDisk.codes.size, 0);
});

test('a grant whose refresh token expired is purged 30 days after it expired', async (t) => {
  const bridge = await startBridge({ env: { BRIDGE_REFRESH_TOKEN_TTL: '3600' } });
  t.after(() => bridge.stop());
  await seedAlexa(bridge);
  await link(bridge.url);
  bridge.clock.advance(3600 + 29 * DAY);
  assert.equal((await purgeExpired(bridge.daemon.context)).grants, 0);
  bridge.clock.advance(DAY);
  assert.equal((await purgeExpired(bridge.daemon.context)).grants, 1);
});

test('a failing upkeep job is logged and does not stop the others or the daemon', async (t) => {
  const bridge = await startBridge();
  t.after(() => bridge.stop());
  const ran: string[] = [];
  const jobs: UpkeepJob[] = [
    { name: 'broken', run: async () => Promise.reject(new Error('disk on fire')) },
    { name: 'fine', run: async () => (ran.push('fine'), { things: 2 }) },
  ];
  await runUpkeep(bridge.daemon.context, jobs);
  assert.deepEqual(ran, ['fine']);
  // Only this run's jobs: the daemon's own upkeep at start logs too.
  const mine = new Set(jobs.map((job) => job.name));
  const lines = bridge.logs.filter((line) => mine.has(line['job'] as string));
  assert.deepEqual(
    lines.map((line) => [line['job'], line['level'], line['removed'] ?? null]),
    [
      ['broken', 50, null],
      ['fine', 30, { things: 2 }],
    ],
  );
  assert.equal((await fetch(`${bridge.url}/health`)).status, 200);
});
