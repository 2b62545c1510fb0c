import { SignInGuard, type SignInGate } from '../throttling/signInGuard.js';
import type { BridgeContext } from '../context.js';
import { PasswordCheckQueue, PasswordChecksBusy } from './passwordCheckQueue.js';
import { signIn } from './signIn.js';

/** Seconds a refused-for-capacity sign-in is told to wait: a full queue drains in about two. */
const BUSY_RETRY_SECONDS = 2;

export type SignInAttemptResult =
  | { outcome: 'ok'; username: string }
  /** Wrong username or password; `next` is what the following attempt will meet. */
  | { outcome: 'invalid'; reason?: 'not-allowed'; next: SignInGate }
  /** Refused by a limit before any password was checked. */
  | { outcome: 'blocked'; retryAfterSeconds: number }
  /** Every password-check slot is taken and the queue is full: nothing was checked or counted. */
  | { outcome: 'busy'; retryAfterSeconds: number }
  /** `signal` aborted (the client hung up) while the check waited: nothing was checked or counted. */
  | { outcome: 'abandoned' }
  | { outcome: 'unavailable'; reason: string };

/**
 * One sign-in on the consent page, in the order that keeps limits exact under concurrency:
 * count the attempt ({@link SignInGuard.reserve}), wait for a password-check slot
 * ({@link PasswordCheckQueue}), check, then keep or take back the count.
 */
export class SignInAttempts {
  constructor(
    private readonly guard: SignInGuard,
    private readonly checks: PasswordCheckQueue = new PasswordCheckQueue(),
  ) {}

  /** `address` is the client's address as the limits key it; `signal` aborts when the client is gone. */
  async attempt(context: BridgeContext, username: string, password: string, address: string, signal?: AbortSignal): Promise<SignInAttemptResult> {
    const reserved = await this.guard.reserve(username, address);
    if (!reserved.allowed) return { outcome: 'blocked', retryAfterSeconds: reserved.retryAfterSeconds };
    const { attempt } = reserved;
    let result: Awaited<ReturnType<typeof signIn>>;
    try {
      result = await this.checks.run(() => signIn(context, username, password), signal);
    } catch (error) {
      await this.guard.release(attempt);
      if (error instanceof PasswordChecksBusy) return { outcome: 'busy', retryAfterSeconds: BUSY_RETRY_SECONDS };
      if (signal?.aborted && error === signal.reason) return { outcome: 'abandoned' };
      throw error;
    }
    switch (result.outcome) {
      case 'ok':
        await this.guard.succeeded(attempt);
        return result;
      case 'unavailable':
        await this.guard.release(attempt);
        return result;
      case 'invalid':
        return { ...result, next: await this.guard.failed(attempt) };
    }
  }
}
