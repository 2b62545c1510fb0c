import type { Middleware } from 'koa';
import type { BridgeContext } from '../../context.js';

export interface HealthInfo {
  version: string;
  /** Random per process, so `doctor` can tell that the public URL reaches this very daemon. */
  instance: string;
  startedAt: number;
  /** Why upkeep does not believe the clock, when it does not (see ClockWatch). */
  clockDoubt?: () => string | undefined;
}

/**
 * GET/HEAD /health: 200 when storage can be written, 503 otherwise. Never limited. A doubted
 * clock is reported (`clock`) but keeps 200: the daemon serves, and a restart by a watchdog
 * would not mend the clock.
 */
export function healthRoute(context: BridgeContext, info: HealthInfo): Middleware {
  return async (ctx) => {
    const storage = await context.store.health();
    const clockDoubt = info.clockDoubt?.();
    ctx.set('Cache-Control', 'no-store');
    ctx.status = storage.ok ? 200 : 503;
    ctx.body = {
      status: storage.ok ? 'ok' : 'error',
      version: info.version,
      instance: info.instance,
      uptime_s: Math.round((context.clock() - info.startedAt) / 1000),
      storage: storage.ok ? 'writable' : storage.problem,
      ...(clockDoubt ? { clock: `in doubt, upkeep deletes nothing: ${clockDoubt}` } : {}),
    };
  };
}
