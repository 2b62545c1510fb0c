/** How many password checks run at once, and how many may wait for a turn. */
export interface PasswordCheckLimits {
  /** Checks running at once; each local one is an scrypt holding 32 MiB and one of libuv's threads. */
  concurrency: number;
  /** Checks waiting for a turn; one more is refused at once instead of queued. */
  queueLength: number;
}

/**
 * Defaults: one check at a time. scrypt runs on libuv's thread pool (4 threads unless
 * UV_THREADPOOL_SIZE says otherwise), the same pool that runs every fs call, the journal's fsync
 * included; with one thread for hashing, three always stay for token requests, and the memory
 * hashing can hold is one scrypt's 32 MiB. Sixteen waiting checks are under two seconds on a
 * Raspberry Pi (~100 ms each): a real person never meets a full queue, a flood does.
 */
export const DEFAULT_PASSWORD_CHECK_LIMITS: PasswordCheckLimits = { concurrency: 1, queueLength: 16 };

/** Thrown by {@link PasswordCheckQueue.run} when the queue is full; nothing was checked. */
export class PasswordChecksBusy extends Error {
  constructor() {
    super('too many password checks are running or waiting');
    this.name = 'PasswordChecksBusy';
  }
}

/**
 * A bounded queue in front of password checks (scrypt for local users, the Supervisor for Home
 * Assistant users): at most `concurrency` run, at most `queueLength` wait in arrival order, and
 * the rest are refused at once, so a sign-in flood costs bounded memory and threads and never
 * delays token requests.
 */
export class PasswordCheckQueue {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limits: PasswordCheckLimits = DEFAULT_PASSWORD_CHECK_LIMITS) {
    if (limits.concurrency < 1 || limits.queueLength < 0) throw new RangeError('concurrency must be ≥ 1 and queueLength ≥ 0');
  }

  /**
   * Runs `check` when a slot is free. Rejects with {@link PasswordChecksBusy}, without starting
   * `check`, when every slot is taken and the queue is full, and with `signal`'s reason when it
   * aborts while `check` still waits; otherwise settles as `check` does.
   */
  async run<T>(check: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (this.running >= this.limits.concurrency) {
      if (this.waiting.length >= this.limits.queueLength) throw new PasswordChecksBusy();
      // The slot is handed over by the finishing check, so `running` never dips in between.
      await new Promise<void>((resolve, reject) => {
        const turn = () => {
          signal?.removeEventListener('abort', leave);
          resolve();
        };
        // Whoever asked is gone (a client that hung up): its place goes to the next in line.
        const leave = () => {
          this.waiting.splice(this.waiting.indexOf(turn), 1);
          reject(signal!.reason);
        };
        this.waiting.push(turn);
        signal?.addEventListener('abort', leave, { once: true });
      });
    } else {
      this.running++;
    }
    try {
      return await check();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
