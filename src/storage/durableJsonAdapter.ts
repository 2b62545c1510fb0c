import { readFileSync } from 'node:fs';
import type { Adapter } from 'lowdb';
import { writeFileDurably, type FileIo } from './atomicWrite.js';

/** A data file that exists but cannot be used; start-up stops with this message. */
export class DataFileError extends Error {
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(
      `${path} ${reason}. Nothing was started, so nothing was overwritten. ` +
        `To go back to its last good version run: cp '${path}.bak' '${path}'`,
    );
  }
}

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * lowdb adapter with durable writes and group commit: while one write is on its way, every
 * later `write()` joins the next one, which serializes the data as it is when it starts. Each
 * caller's promise settles only once a write that includes its change is on disk.
 */
export class DurableJsonAdapter<T> implements Adapter<T> {
  private waiting: Waiter[] = [];
  private flushing = false;

  constructor(
    readonly path: string,
    /** Runs synchronously when a write fails, before any caller hears of it, so memory can go back to what is on disk. */
    private readonly onWriteFailed: (error: unknown) => void,
    private readonly io?: FileIo,
  ) {}

  async read(): Promise<T | null> {
    return this.readSync();
  }

  /** Synchronous so a rollback cannot interleave with other requests' changes. */
  readSync(): T | null {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new DataFileError(this.path, `cannot be read (${(error as NodeJS.ErrnoException).code ?? error})`);
    }
    try {
      return JSON.parse(text) as T;
    } catch (error) {
      throw new DataFileError(this.path, `is not valid JSON (${(error as Error).message})`);
    }
  }

  write(data: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      if (!this.flushing) void this.flush(data);
    });
  }

  private async flush(data: T): Promise<void> {
    this.flushing = true;
    while (this.waiting.length > 0) {
      const batch = this.waiting;
      this.waiting = [];
      try {
        await writeFileDurably(this.path, `${JSON.stringify(data)}\n`, this.io);
      } catch (error) {
        // Changes that joined the queue meanwhile were made on top of the failed ones: they fail too.
        const failed = [...batch, ...this.waiting];
        this.waiting = [];
        this.onWriteFailed(error);
        for (const waiter of failed) waiter.reject(error);
        break;
      }
      for (const waiter of batch) waiter.resolve();
    }
    this.flushing = false;
  }
}
