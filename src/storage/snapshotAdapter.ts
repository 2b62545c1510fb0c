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

/** lowdb adapter for a data file's snapshot: durable writes (see writeFileDurably), synchronous reads. */
export class SnapshotAdapter<T> implements Adapter<T> {
  /** Bytes of the snapshot as last read or written. */
  size = 0;

  constructor(
    readonly path: string,
    private readonly io?: FileIo,
  ) {}

  async read(): Promise<T | null> {
    return this.readSync();
  }

  /** Synchronous, so a rollback cannot interleave with other requests' changes. */
  readSync(): T | null {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new DataFileError(this.path, `cannot be read (${(error as NodeJS.ErrnoException).code ?? error})`);
    }
    this.size = text.length;
    try {
      return JSON.parse(text) as T;
    } catch (error) {
      throw new DataFileError(this.path, `is not valid JSON (${(error as Error).message})`);
    }
  }

  async write(data: T): Promise<void> {
    const text = `${JSON.stringify(data)}\n`;
    await writeFileDurably(this.path, text, this.io);
    this.size = text.length;
  }
}
