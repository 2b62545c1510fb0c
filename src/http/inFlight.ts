import type { Middleware } from 'koa';

/**
 * Counts requests whose handlers are still running. A client that hangs up does not stop its
 * handler, so a shutdown waits for these, not only for the sockets, before closing storage and logs.
 */
export class InFlightRequests {
  private running = 0;
  private waiters: (() => void)[] = [];

  readonly track: Middleware = async (_ctx, next) => {
    this.running++;
    try {
      await next();
    } finally {
      if (--this.running === 0) for (const wake of this.waiters.splice(0)) wake();
    }
  };

  /** Resolves when no handler runs, or after `timeoutMs` at the latest. */
  idle(timeoutMs: number): Promise<void> {
    if (this.running === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
