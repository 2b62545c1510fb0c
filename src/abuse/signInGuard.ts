import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { normalizeUsername } from '../auth/username.js';
import type { Config } from '../config/schema.js';

const DAY = 86_400;

/** Whether a sign-in may be tried now; if not, how long until it may. */
export type SignInGate = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/**
 * Password guessing on the consent page (after rate-limiter-flexible's "login endpoint
 * protection" recipe): consecutive failures per username+address block that pair, each block
 * within a day twice as long as the last; failures per address per day block the address.
 * Unknown usernames count the same, so the answer never tells which accounts exist.
 */
export class SignInGuard {
  private readonly failuresByPair: RateLimiterMemory;
  private readonly blocksByPair: RateLimiterMemory;
  private readonly failuresByAddress: RateLimiterMemory;

  constructor(private readonly config: Config) {
    this.failuresByPair = new RateLimiterMemory({ keyPrefix: 'signin-pair', points: config.signInFailureLimit, duration: DAY });
    this.blocksByPair = new RateLimiterMemory({ keyPrefix: 'signin-blocks', points: 64, duration: DAY });
    this.failuresByAddress = new RateLimiterMemory({
      keyPrefix: 'signin-ip',
      points: config.signInDailyFailureLimit,
      duration: DAY,
      blockDuration: DAY,
    });
  }

  async check(username: string, address: string): Promise<SignInGate> {
    const [pair, byAddress] = await Promise.all([
      this.failuresByPair.get(pairKey(username, address)),
      this.failuresByAddress.get(address),
    ]);
    const waits = [blockedFor(pair), blockedFor(byAddress)].filter((ms) => ms > 0);
    return waits.length === 0 ? { allowed: true } : { allowed: false, retryAfterSeconds: Math.ceil(Math.max(...waits) / 1000) };
  }

  /** Counts a failure; returns the gate the next attempt will meet. */
  async recordFailure(username: string, address: string): Promise<SignInGate> {
    const key = pairKey(username, address);
    await this.failuresByAddress.consume(address).catch(ignoreLimitReached);
    const pair = await this.failuresByPair.consume(key).catch((rejection: unknown) => rejection as RateLimiterRes);
    if (pair.remainingPoints <= 0) {
      const previousBlocks = (await this.blocksByPair.consume(key).catch((res: RateLimiterRes) => res)).consumedPoints - 1;
      const seconds = Math.min(this.config.signInBlockSeconds * 2 ** previousBlocks, DAY);
      await this.failuresByPair.block(key, seconds);
    }
    return this.check(username, address);
  }

  /** A success forgives the pair's failures, but not its record of earlier blocks. */
  async recordSuccess(username: string, address: string): Promise<void> {
    await this.failuresByPair.delete(pairKey(username, address));
  }
}

function pairKey(username: string, address: string): string {
  // However it is spelled (Alice, ` ALICE `, full width), a name is counted as the one user it means.
  return `${normalizeUsername(username)}\u0000${address}`;
}

/** Milliseconds a limiter entry still blocks, 0 when it does not. */
function blockedFor(entry: RateLimiterRes | null): number {
  return entry && entry.remainingPoints <= 0 ? entry.msBeforeNext : 0;
}

function ignoreLimitReached(rejection: unknown): void {
  if (!(rejection instanceof RateLimiterRes)) throw rejection;
}
