import { readFileSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { syncDirectory, type FileIo } from './atomicWrite.js';

/**
 * An append-only file of JSON lines beside a snapshot: each group commit appends one line
 * holding the records it changed and fsyncs it, so a write costs what changed, not the size of
 * the store. A crash can tear only the last line, of a commit nobody was told succeeded.
 */
export class Journal {
  private handle: FileHandle | undefined;
  private bytes = 0;

  constructor(
    readonly path: string,
    private readonly io: FileIo = fs,
  ) {}

  get size(): number {
    return this.bytes;
  }

  /**
   * The entries on disk; a torn or damaged line is skipped, as its commit never succeeded.
   * `damaged` says the file has such a line, or ends without a newline, so nothing may be appended to it.
   */
  readEntries<T>(): { entries: T[]; damaged: boolean } {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { entries: [], damaged: false };
      throw error;
    }
    this.bytes = Buffer.byteLength(text);
    const entries: T[] = [];
    let skipped = 0;
    for (const line of text.split('\n')) {
      if (line === '') continue;
      try {
        entries.push(JSON.parse(line) as T);
      } catch {
        skipped++;
      }
    }
    return { entries, damaged: skipped > 0 || (text !== '' && !text.endsWith('\n')) };
  }

  async append(line: string): Promise<void> {
    const handle = await this.open();
    const before = this.bytes;
    try {
      await handle.appendFile(`${line}\n`);
      await handle.datasync();
    } catch (error) {
      // Cut a partly written line off, so later lines never follow a torn one.
      await handle.truncate(before).catch(() => undefined);
      throw error;
    }
    this.bytes = before + Buffer.byteLength(line) + 1;
  }

  /** Empties the journal once a snapshot holds everything it had. */
  async clear(): Promise<void> {
    if (this.bytes === 0 && !this.handle) return;
    const handle = await this.open();
    await handle.truncate(0);
    await handle.datasync();
    this.bytes = 0;
  }

  async close(): Promise<void> {
    await this.handle?.close();
    this.handle = undefined;
  }

  private async open(): Promise<FileHandle> {
    if (!this.handle) {
      this.handle = await this.io.open(this.path, 'a', 0o600);
      // A new file's directory entry is only durable once the directory is synced.
      await syncDirectory(dirname(this.path), this.io);
    }
    return this.handle;
  }
}
