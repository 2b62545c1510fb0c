import { RateLimiterRes, type RateLimiterMemory } from 'rate-limiter-flexible';
import { BoundedRateLimiter } from './boundedLimiter.js';
import type { Config } from '../config/schema.js';

const MINUTE = 60;
const AUTH_FAILURE_WINDOW = 600;

/** A limiter's answer, enough for the RateLimit-* headers (draft-ietf-httpapi-ratelimit-headers). */
export interface LimitState {
  limit: number;
  remaining: number;
  resetSeconds: number;
  exceeded: boolean;
}

/** Bursts against the token, revoke and introspect endpoints, per address and per client. */
export class ApiLimits {
  private readonly byAddress: BoundedRateLimiter;
  private readonly byClient: BoundedRateLimiter;
  private readonly authFailuresByAddress: BoundedRateLimiter;

  constructor(config: Config) {
    this.byAddress = new BoundedRateLimiter({ keyPrefix: 'api-ip', points: config.apiRequestsPerMinute, duration: MINUTE });
    this.byClient = new BoundedRateLimiter({ keyPrefix: 'api-client', points: config.clientRequestsPerMinute, duration: MINUTE });
    this.authFailuresByAddress = new BoundedRateLimiter({
      keyPrefix: 'api-auth-failures',
      points: config.clientAuthFailureLimit,
      duration: AUTH_FAILURE_WINDOW,
      blockDuration: AUTH_FAILURE_WINDOW,
    });
  }

  /** Counts a request from an address; an address that failed client authentication too often stays refused. */
  async takeAddress(address: string): Promise<LimitState> {
    const failures = await this.authFailuresByAddress.get(address);
    if (failures && failures.remainingPoints <= 0) return toState(failures, this.authFailuresByAddress.points, true);
    return consume(this.byAddress, address);
  }

  /** Counts a request by an authenticated client. */
  takeClient(clientId: string): Promise<LimitState> {
    return consume(this.byClient, clientId);
  }

  async recordAuthFailure(address: string): Promise<void> {
    await this.authFailuresByAddress.consume(address).catch((rejection: unknown) => {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
    });
  }
}

async function consume(limiter: RateLimiterMemory, key: string): Promise<LimitState> {
  try {
    return toState(await limiter.consume(key), limiter.points, false);
  } catch (rejection) {
    if (!(rejection instanceof RateLimiterRes)) throw rejection;
    return toState(rejection, limiter.points, true);
  }
}

function toState(res: RateLimiterRes, limit: number, exceeded: boolean): LimitState {
  return { limit, remaining: Math.max(res.remainingPoints, 0), resetSeconds: Math.ceil(res.msBeforeNext / 1000), exceeded };
}
