import { RateLimiterRes, type RateLimiterMemory } from 'rate-limiter-flexible';
import { normalizeUsername } from '../auth/username.js';
import type { Config } from '../config/schema.js';
import { BoundedRateLimiter } from './boundedLimiter.js';

const DAY = 86_400;

/** Whether a sign-in may be tried now; if not, how long until it may. */
export type SignInGate = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** An attempt already counted as a failure, until {@link SignInGuard.succeeded} or {@link SignInGuard.release} takes it back. */
export interface SignInAttempt {
  readonly username: string;
  readonly address: string;
  /** This attempt took the pair's last point and so started its next block. */
  readonly startedBlock: boolean;
}

/**
 * Password guessing on the consent page (after rate-limiter-flexible's "login endpoint
 * protection" recipe): consecutive failures per username+address block that pair, each block
 * within a day twice as long as the last; failures per address per day block the address;
 * failures per username per day, from any address, block the username (guessing spread over many
 * addresses). Unknown usernames count the same, so the answer never tells which accounts exist.
 *
 * Every attempt is counted as a failure BEFORE its password is checked ({@link reserve}), so a
 * burst of simultaneous guesses meets the limits one by one: at most the limit get checked.
 */
export class SignInGuard {
  private readonly failuresByPair: RateLimiterMemory;
  private readonly blocksByPair: RateLimiterMemory;
  private readonly failuresByAddress: RateLimiterMemory;
  private readonly failuresByUsername: RateLimiterMemory;

  constructor(private readonly config: Config) {
    this.failuresByPair = new BoundedRateLimiter({ keyPrefix: 'signin-pair', points: config.signInFailureLimit, duration: DAY });
    this.blocksByPair = new BoundedRateLimiter({ keyPrefix: 'signin-blocks', points: 64, duration: DAY });
    this.failuresByAddress = new BoundedRateLimiter({
      keyPrefix: 'signin-ip',
      points: config.signInDailyFailureLimit,
      duration: DAY,
      blockDuration: DAY,
    });
    this.failuresByUsername = new BoundedRateLimiter({ keyPrefix: 'signin-user', points: config.signInUsernameDailyFailureLimit, duration: DAY });
  }

  /**
   * Counts an attempt before its password is checked. Refused (nothing counted) when the pair,
   * the address or the username is blocked, or when attempts in flight already use up a limit.
   * Each limiter counts synchronously inside `consume`, so simultaneous calls cannot all pass.
   */
  async reserve(username: string, address: string): Promise<{ allowed: true; attempt: SignInAttempt } | { allowed: false; retryAfterSeconds: number }> {
    const pairKey = keyOfPair(username, address);
    const usernameKey = keyOfUsername(username);
    const taken = await Promise.all([
      take(this.failuresByPair, pairKey),
      take(this.failuresByAddress, address),
      take(this.failuresByUsername, usernameKey),
    ]);
    const refusals = taken.filter((entry) => entry.refused);
    if (refusals.length > 0) {
      await this.refund(pairKey, address, usernameKey);
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(Math.max(...refusals.map((entry) => entry.res.msBeforeNext)) / 1000)) };
    }
    const startedBlock = taken[0]!.res.remainingPoints === 0;
    if (startedBlock) {
      // The pair's last allowed attempt: the block starts now, so no attempt behind it is checked
      // while this one runs; a success lifts it again.
      const previousBlocks = (await take(this.blocksByPair, pairKey)).res.consumedPoints - 1;
      await this.failuresByPair.block(pairKey, Math.min(this.config.signInBlockSeconds * 2 ** previousBlocks, DAY));
    }
    return { allowed: true, attempt: { username, address, startedBlock } };
  }

  /** The password was wrong: the attempt stays counted. Returns the gate the next attempt will meet. */
  async failed(attempt: SignInAttempt): Promise<SignInGate> {
    const entries = await Promise.all([
      this.failuresByPair.get(keyOfPair(attempt.username, attempt.address)),
      this.failuresByAddress.get(attempt.address),
      this.failuresByUsername.get(keyOfUsername(attempt.username)),
    ]);
    const waits = entries.map(blockedFor).filter((ms) => ms > 0);
    return waits.length === 0 ? { allowed: true } : { allowed: false, retryAfterSeconds: Math.ceil(Math.max(...waits) / 1000) };
  }

  /** A success forgives the pair's failures (and the block its last attempt started), but not its record of earlier blocks. */
  async succeeded(attempt: SignInAttempt): Promise<void> {
    const pairKey = keyOfPair(attempt.username, attempt.address);
    await this.refund(undefined, attempt.address, keyOfUsername(attempt.username));
    await this.failuresByPair.delete(pairKey);
    if (attempt.startedBlock) await this.blocksByPair.reward(pairKey);
  }

  /** The password was never checked (no capacity, backend down): the attempt does not count. */
  async release(attempt: SignInAttempt): Promise<void> {
    const pairKey = keyOfPair(attempt.username, attempt.address);
    if (attempt.startedBlock) {
      await this.blocksByPair.reward(pairKey);
      // Back to one short of the limit, without the block this attempt started.
      await this.failuresByPair.set(pairKey, this.config.signInFailureLimit - 1, DAY);
    }
    await this.refund(attempt.startedBlock ? undefined : pairKey, attempt.address, keyOfUsername(attempt.username));
  }

  private async refund(pairKey: string | undefined, address: string, usernameKey: string): Promise<void> {
    await Promise.all([
      pairKey === undefined ? undefined : this.failuresByPair.reward(pairKey),
      this.failuresByAddress.reward(address),
      this.failuresByUsername.reward(usernameKey),
    ]);
  }
}

function keyOfPair(username: string, address: string): string {
  return `${keyOfUsername(username)}\u0000${address}`;
}

/** However it is spelled (Alice, ` ALICE `, full width), a name is counted as the one user it means. */
function keyOfUsername(username: string): string {
  return normalizeUsername(username);
}

/** Consumes a point; `refused` when that went past the limit (the point is counted all the same). */
async function take(limiter: RateLimiterMemory, key: string): Promise<{ res: RateLimiterRes; refused: boolean }> {
  try {
    return { res: await limiter.consume(key), refused: false };
  } catch (rejection) {
    if (!(rejection instanceof RateLimiterRes)) throw rejection;
    return { res: rejection, refused: true };
  }
}

/** Milliseconds a limiter entry still blocks, 0 when it does not. */
function blockedFor(entry: RateLimiterRes | null): number {
  return entry && entry.remainingPoints <= 0 ? entry.msBeforeNext : 0;
}
