interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: while one flush is on its way, every later request joins the next flush, which
 * writes the state as it is when it starts. Each request settles once a flush that includes its
 * change is durable.
 */
export class GroupCommit {
  private waiting: Waiter[] = [];
  private flushing = false;

  constructor(
    private readonly flush: () => Promise<void>,
    /** Runs synchronously when a flush fails, before any requester hears of it, so memory can go back to the disk's state. */
    private readonly onFailed: (error: unknown) => void,
  ) {}

  request(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      if (!this.flushing) void this.run();
    });
  }

  private async run(): Promise<void> {
    this.flushing = true;
    while (this.waiting.length > 0) {
      const batch = this.waiting;
      this.waiting = [];
      try {
        await this.flush();
      } catch (error) {
        // Changes that queued meanwhile were made on top of the failed ones: they fail too.
        const failed = [...batch, ...this.waiting];
        this.waiting = [];
        this.onFailed(error);
        for (const waiter of failed) waiter.reject(error);
        continue;
      }
      for (const waiter of batch) waiter.resolve();
    }
    this.flushing = false;
  }
}
