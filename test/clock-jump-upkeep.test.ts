// A clock that jumped 200 days forward used to make start-up upkeep delete every link (each looked
// expired for more than 30 days). Upkeep now deletes nothing on a clock it has reason to doubt,
// and says so in the log, /health and doctor.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { checkClockAgainstDataDir } from '../src/doctor/setupChecks.ts';
import { runUpkeep, upkeepJobs } from '../src/upkeep/scheduler.ts';
import { ClockWatch } from '../src/upkeep/clockWatch.ts';
import { seedAlexa, startBridge, TestClock, type TestBridge } from './helpers/bridge.ts';
import { link } from './helpers/http.ts';

const DAY = 86_400;

/** Resolves once a log line matches (start-up upkeep runs in the background). */
async function logLine(bridge: TestBridge, match: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const line = bridge.logs.find(match);
    if (line) return line;
    assert.ok(Date.now() < deadline, `no such log line\n${bridge.logText().slice(-3000)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test('a clock 200 days ahead at start-up: upkeep deletes no link and says why in the log, /health and doctor', async (t) => {
  const clock = new TestClock();
  let bridge = await startBridge({ clock });
  t.after(() => bridge.stop());
  await seedAlexa(bridge);
  for (let i = 0; i < 3; i++) await link(bridge.url);
  // A believed upkeep run remembers the time in clock.json.
  await runUpkeep(bridge.daemon.context, upkeepJobs, await ClockWatch.open(bridge.dataDir, bridge.daemon.context.store, clock.read));
  const saved = JSON.parse(await readFile(join(bridge.dataDir, 'clock.json'), 'utf8')) as { lastSeen: number };
  assert.equal(saved.lastSeen, clock.read());
  await bridge.stop();

  clock.advance(200 * DAY);
  bridge = await startBridge({ dataDir: bridge.dataDir, clock });
  const held = await logLine(bridge, (line) => typeof line['doubt'] === 'string');
  assert.equal(held['level'], 40);
  assert.match(String(held['msg']), /^upkeep deletes nothing while the clock is in doubt: the clock reads \S+, 200 days after anything this data dir saw \(\S+\)\. Links, codes and flow records stay/);
  assert.equal(bridge.daemon.context.store.grants.size, 3, 'every link is still there');

  const health = await fetch(`${bridge.url}/health`);
  assert.equal(health.status, 200);
  const body = (await health.json()) as Record<string, unknown>;
  assert.match(String(body['clock']), /^in doubt, upkeep deletes nothing: the clock reads .*, 200 days after anything this data dir saw/);

  // doctor's check (its others would ask the public URL, which is not on loopback here).
  const check = await checkClockAgainstDataDir(bridge.daemon.context);
  assert.equal(check.status, 'warn');
  assert.match(check.message, /200 days after anything this data dir saw .*: upkeep deletes no link, code or flow record until the clock has kept pace for a day/);

  // Still in doubt at the next scheduled run; a day later the clock is believed, and upkeep catches up.
  const watch = await ClockWatch.open(bridge.dataDir, bridge.daemon.context.store, clock.read);
  await runUpkeep(bridge.daemon.context, upkeepJobs, watch);
  assert.equal(bridge.daemon.context.store.grants.size, 3);
  clock.advance(DAY);
  await runUpkeep(bridge.daemon.context, upkeepJobs, watch);
  assert.equal(bridge.daemon.context.store.grants.size, 0, 'the links really had expired: after a day of a steady clock upkeep removes them');
});

test('a data dir from before clock.json: the newest time its records hold counts as last seen', async (t) => {
  const clock = new TestClock();
  let bridge = await startBridge({ clock });
  t.after(() => bridge.stop());
  await seedAlexa(bridge);
  await link(bridge.url);
  await bridge.stop();
  const { rm } = await import('node:fs/promises');
  await rm(join(bridge.dataDir, 'clock.json'), { force: true });
  clock.advance(200 * DAY);
  bridge = await startBridge({ dataDir: bridge.dataDir, clock });
  await logLine(bridge, (line) => typeof line['doubt'] === 'string');
  assert.equal(bridge.daemon.context.store.grants.size, 1);
});

test('a wall clock that jumps while the daemon runs is caught against the steady clock', async () => {
  let wall = Date.UTC(2026, 0, 1);
  let steady = 0;
  const { Store } = await import('../src/storage/store.ts');
  const { tempDir } = await import('./helpers/bridge.ts');
  const store = await Store.open(await tempDir());
  const watch = await ClockWatch.open(store.dataDir, store, () => wall, () => steady);
  assert.equal(watch.doubt(), undefined);
  wall += 3_600_000;
  steady += 3_600_000;
  assert.equal(watch.doubt(), undefined, 'both moved an hour');
  wall += 200 * DAY * 1000;
  steady += 60_000;
  assert.match(watch.doubt() ?? '', /^the clock jumped forward by 287999 minutes while the daemon ran$/);
  wall += 23 * 3_600_000;
  steady += 23 * 3_600_000;
  assert.ok(watch.doubt(), 'still in doubt after 23 hours');
  wall += 3_600_000;
  steady += 3_600_000;
  assert.equal(watch.doubt(), undefined, 'believed again after a day at the steady clock’s pace');
  await store.close();
});
