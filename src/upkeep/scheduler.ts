import cron from 'node-cron';
import type { ServerContext } from '../context.js';
import { TRUST_AFTER_MS, type ClockWatch } from './clockWatch.js';
import { purgeExpired } from './purge.js';

/** One upkeep job: removes what has outlived its use and says how much, by kind. */
export interface UpkeepJob {
  name: string;
  run(context: ServerContext): Promise<Record<string, number>>;
}

export const upkeepJobs: UpkeepJob[] = [
  { name: 'purge expired codes and grants', run: purgeExpired },
  { name: 'mark abandoned flows, drop old ones', run: async (context) => context.observer.sweep() },
];

/**
 * Runs every job once; a failing job is logged and the others still run. Never throws. Every job
 * deletes by age, so none runs on a clock `watch` doubts (said in the log each time); after a run
 * on a believed clock, the time is remembered as seen.
 */
export async function runUpkeep(context: ServerContext, jobs: readonly UpkeepJob[] = upkeepJobs, watch?: ClockWatch): Promise<void> {
  const doubt = watch?.doubt();
  if (doubt) {
    context.log.warn(
      { doubt },
      `upkeep deletes nothing while the clock is in doubt: ${doubt}. Links, codes and flow records stay; if the clock is right, upkeep resumes once it has kept pace for ${TRUST_AFTER_MS / 3_600_000} hours`,
    );
    return;
  }
  for (const job of jobs) {
    try {
      const removed = await job.run(context);
      context.log.info({ job: job.name, removed }, 'upkeep done');
    } catch (error) {
      context.log.error({ job: job.name, err: error }, 'upkeep job failed; will try again at the next run');
    }
  }
  await watch?.record().catch((error: unknown) => context.log.warn({ err: error }, 'the time upkeep ran could not be saved to clock.json'));
}

/**
 * Every 15 minutes, in UTC so a DST change never skips or doubles a run. node-cron 4 starts a
 * task at once when scheduled; `noOverlap` skips a tick while the previous run still goes.
 */
export function scheduleUpkeep(context: ServerContext, jobs: readonly UpkeepJob[] = upkeepJobs, watch?: ClockWatch): { stop(): void } {
  const task = cron.schedule('*/15 * * * *', () => runUpkeep(context, jobs, watch), {
    name: 'upkeep',
    timezone: 'Etc/UTC',
    noOverlap: true,
  });
  return { stop: () => void task.destroy() };
}
