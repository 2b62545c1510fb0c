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
  /** This attempt took the pair's last point: if it fails, the pair's next block starts. */
  readonly tookLastPoint: boolean;
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
    const [pair, byAddress, byUsername] = await Promise.all([
      take(this.failuresByPair, pairKey),
      take(this.failuresByAddress, address),
      take(this.failuresByUsername, usernameKey),
    ]);
    if (pair.refused || byAddress.refused || byUsername.refused) {
      await Promise.all([this.failuresByPair.reward(pairKey), this.failuresByAddress.reward(address), this.failuresByUsername.reward(usernameKey)]);
      const waits = [
        pair.refused ? await this.pairWait(pairKey, pair.res) : 0,
        byAddress.refused ? byAddress.res.msBeforeNext : 0,
        byUsername.refused ? byUsername.res.msBeforeNext : 0,
      ];
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(Math.max(...waits) / 1000)) };
    }
    return { allowed: true, attempt: { username, address, tookLastPoint: pair.res.remainingPoints === 0 } };
  }

  /** The password was wrong: the attempt stays counted. Returns the gate the next attempt will meet. */
  async failed(attempt: SignInAttempt): Promise<SignInGate> {
    const pairKey = keyOfPair(attempt.username, attempt.address);
    if (attempt.tookLastPoint) {
      const previousBlocks = (await take(this.blocksByPair, pairKey)).res.consumedPoints - 1;
      await this.failuresByPair.block(pairKey, blockSeconds(this.config, previousBlocks));
    }
    const [pair, byAddress, byUsername] = await Promise.all([
      this.failuresByPair.get(pairKey),
      this.failuresByAddress.get(attempt.address),
      this.failuresByUsername.get(keyOfUsername(attempt.username)),
    ]);
    const waits = [pair && blockedFor(pair) > 0 ? await this.pairWait(pairKey, pair) : 0, blockedFor(byAddress), blockedFor(byUsername)];
    const wait = Math.max(...waits);
    return wait > 0 ? { allowed: false, retryAfterSeconds: Math.ceil(wait / 1000) } : { allowed: true };
  }

  /** A success forgives the pair's failures, but not its record of earlier blocks. */
  async succeeded(attempt: SignInAttempt): Promise<void> {
    await Promise.all([
      this.failuresByPair.delete(keyOfPair(attempt.username, attempt.address)),
      this.failuresByAddress.reward(attempt.address),
      this.failuresByUsername.reward(keyOfUsername(attempt.username)),
    ]);
  }

  /** The password was never checked (no capacity, backend down): the attempt does not count. */
  async release(attempt: SignInAttempt): Promise<void> {
    await Promise.all([
      this.failuresByPair.reward(keyOfPair(attempt.username, attempt.address)),
      this.failuresByAddress.reward(attempt.address),
      this.failuresByUsername.reward(keyOfUsername(attempt.username)),
    ]);
  }

  /**
   * Milliseconds until the pair may try again: what is left of its block, or, while attempts in
   * flight hold its last points and no block has started yet, the block their failure would start.
   */
  private async pairWait(pairKey: string, pair: RateLimiterRes): Promise<number> {
    const blocks = await this.blocksByPair.get(pairKey);
    return Math.min(pair.msBeforeNext, blockSeconds(this.config, blocks?.consumedPoints ?? 0) * 1000);
  }
}

/** The pair's block after `previousBlocks` earlier ones within a day: doubling, at most a day. */
function blockSeconds(config: Config, previousBlocks: number): number {
  return Math.min(config.signInBlockSeconds * 2 ** previousBlocks, DAY);
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
