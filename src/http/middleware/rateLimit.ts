import type { Context, Middleware } from 'koa';
import type { ApiLimits, LimitState } from '../../throttling/apiLimits.js';
import { clientKey } from '../../net/addresses.js';
import { OAuthError } from '../../oauth/errors.js';
import type { AuthenticatedClient } from '../../oauth/clientAuthentication.js';

/** RateLimit-* headers on every answer, and 429 with Retry-After once a limit is reached. */
export function enforceLimit(ctx: Context, state: LimitState, what: string): void {
  ctx.set('RateLimit-Limit', String(state.limit));
  ctx.set('RateLimit-Remaining', String(state.remaining));
  ctx.set('RateLimit-Reset', String(state.resetSeconds));
  if (!state.exceeded) return;
  throw new OAuthError('temporarily_unavailable', `too many requests; retry after ${state.resetSeconds} s`, {
    status: 429,
    detail: `rate limit reached: ${what}`,
    headers: { 'Retry-After': String(state.resetSeconds) },
  });
}

export function limitByAddress(limits: ApiLimits): Middleware {
  return async (ctx, next) => {
    enforceLimit(ctx, await limits.takeAddress(clientKey(ctx.ip)), `address ${ctx.ip}`);
    await next();
  };
}

/** After authentication, so a stranger cannot use up a real client's budget by naming it. */
export function limitByClient(limits: ApiLimits): Middleware<{ client: AuthenticatedClient }> {
  return async (ctx, next) => {
    const clientId = ctx.state.client.client.id;
    enforceLimit(ctx, await limits.takeClient(clientId), `client ${clientId}`);
    await next();
  };
}

/** A failed client authentication counts against the address it came from. */
export function countAuthFailures(limits: ApiLimits): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      if (error instanceof OAuthError && error.code === 'invalid_client') await limits.recordAuthFailure(clientKey(ctx.ip));
      throw error;
    }
  };
}
