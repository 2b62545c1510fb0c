import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import type { Logger } from 'pino';
import type { ErrorLogState } from './apiErrors.js';

export interface RequestLogState extends ErrorLogState {
  requestId: string;
  log: Logger;
}

/**
 * One line per request: method, path without its query (codes and states travel there),
 * status, milliseconds and a request id that is also sent back as X-Request-Id.
 */
export function logRequests(log: Logger): Middleware<RequestLogState> {
  return async (ctx, next) => {
    const started = performance.now();
    const requestId = randomUUID();
    ctx.state.requestId = requestId;
    ctx.state.log = log.child({ reqId: requestId });
    ctx.set('X-Request-Id', requestId);
    try {
      await next();
    } finally {
      const line = {
        method: ctx.method,
        path: ctx.path,
        status: ctx.status,
        ms: Math.round((performance.now() - started) * 10) / 10,
        ip: ctx.ip,
        ...(ctx.state.errorDetail ? { detail: ctx.state.errorDetail } : {}),
      };
      // Health probes come every few seconds; they would drown the linking trail.
      if (ctx.path === '/health') ctx.state.log.debug(line, 'request');
      else ctx.state.log.info(line, 'request');
    }
  };
}
