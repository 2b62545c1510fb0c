import { readFileSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { syncDirectory, type FileIo } from './atomicWrite.js';

/** A journal line that does not parse although lines after it do. */
export interface DamagedLine {
  /** 1-based. */
  line: number;
  text: string;
}

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
   * The entries on disk. A line that does not parse is skipped: the last one is a torn write, of a
   * commit nobody was told succeeded; one with good lines after it was damaged after it was
   * written, and comes back in `damagedLines` (1-based line numbers) so it can be kept aside.
   * `damaged` says the file has such a line, or ends without a newline, so nothing may be appended to it.
   */
  readEntries<T>(): { entries: T[]; damaged: boolean; damagedLines: DamagedLine[] } {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { entries: [], damaged: false, damagedLines: [] };
      throw error;
    }
    this.bytes = Buffer.byteLength(text);
    const entries: T[] = [];
    const unreadable: DamagedLine[] = [];
    let lastLine = 0;
    text.split('\n').forEach((line, index) => {
      if (line === '') return;
      lastLine = index + 1;
      try {
        entries.push(JSON.parse(line) as T);
      } catch {
        unreadable.push({ line: index + 1, text: line });
      }
    });
    return {
      entries,
      damaged: unreadable.length > 0 || (text !== '' && !text.endsWith('\n')),
      damagedLines: unreadable.filter((entry) => entry.line !== lastLine),
    };
  }

  /** Resolves once the line is on disk: the file is opened with O_SYNC, so the write returns only then. */
  async append(line: string): Promise<void> {
    const handle = await this.open();
    const before = this.bytes;
    try {
      await handle.appendFile(`${line}\n`);
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
      // 'as' (O_APPEND | O_SYNC): each append is durable when its write returns, one trip through
      // libuv's thread pool instead of a write and then an fdatasync (the same disk work: an
      // append changes the size, so fdatasync commits the inode too).
      this.handle = await this.io.open(this.path, 'as', 0o600);
      // A new file's directory entry is only durable once the directory is synced.
      await syncDirectory(dirname(this.path), this.io);
    }
    return this.handle;
  }
}
