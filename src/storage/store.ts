import * as fs from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Collection } from './collection.js';
import type { FileIo } from './atomicWrite.js';
import { DataFile, type Collections } from './dataFile.js';
import type { ClientRecord, CodeRecord, FlowRecord, GrantRecord, UserRecord } from './records.js';
import { TokenIndex } from './tokenIndex.js';

/** A change could not be made durable; it was rolled back in memory too. */
export class StorageWriteError extends Error {
  constructor(readonly path: string, cause: unknown) {
    super(`writing ${path} failed: ${(cause as NodeJS.ErrnoException).code ?? String(cause)}`, { cause });
  }
}

export interface StorageHealth {
  ok: boolean;
  /** Why storage is unhealthy: the last failed write, or the failed probe. */
  problem?: string;
}

/** A write that went through this recently says the disk works; when idle, health tries one this often. */
const TRUST_LAST_WRITE_MS = 60_000;
/** While unhealthy, one probe answers every health check for this long (a flood of HEAD /health costs one write). */
const RETRY_PROBE_MS = 2_000;
/**
 * After a real write failed, the probe must fit more than a line: a disk with a few free blocks
 * takes the probe's line but not the snapshot that failed. While healthy, a line is enough.
 */
const RECOVERY_PROBE_BYTES = 64 * 1024;

const WHY: Record<string, string> = {
  ENOSPC: 'no space left on the disk',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EIO: 'input/output error',
};

/** `ENOSPC` → `ENOSPC (no space left on the disk)`, for /health, doctor and the admin page. */
function describeWriteError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (!code) return String(error);
  return WHY[code] ? `${code} (${WHY[code]})` : code;
}

/**
 * Everything the bridge keeps, one file per kind of record. Codes live in the grants file so that
 * consuming a code and creating its grant are one atomic write.
 */
export class Store {
  readonly clients = new Collection<ClientRecord>((client) => client.id);
  readonly users = new Collection<UserRecord>((user) => user.username);
  readonly codes = new Collection<CodeRecord>((code) => code.hash);
  readonly grants = new Collection<GrantRecord>((grant) => grant.id);
  readonly tokens = new TokenIndex();
  /** Authorization attempts for diagnostics (src/diagnostics/), apart so the hot grants.json stays small. */
  readonly flows = new Collection<FlowRecord>((flow) => flow.id);

  readonly clientsFile: DataFile<{ clients: Collection<ClientRecord> }>;
  readonly usersFile: DataFile<{ users: Collection<UserRecord> }>;
  readonly grantsFile: DataFile<{ codes: Collection<CodeRecord>; grants: Collection<GrantRecord> }>;
  readonly flowsFile: DataFile<{ flows: Collection<FlowRecord> }>;
  /** The last failed write of each file, by file name; a file's own next good write clears it. */
  private readonly writeErrors = new Map<string, string>();
  /** performance.now() of the last write that went through. */
  private lastWriteOkAt = -Infinity;
  private probe: { at: number; result: Promise<StorageHealth> } | undefined;

  private constructor(
    readonly dataDir: string,
    private readonly io: FileIo | undefined,
  ) {
    const onWriteFailed = (name: string) => (error: unknown) => {
      this.writeErrors.set(name, `writing ${name} failed: ${describeWriteError(error)}`);
      this.probe = undefined; // its answer predates this failure
    };
    this.grants.addIndex(this.tokens);
    const file = <C extends Collections>(name: string, collections: C) =>
      new DataFile({ path: join(dataDir, name), collections, onWriteFailed: onWriteFailed(name), io });
    this.clientsFile = file('clients.json', { clients: this.clients });
    this.usersFile = file('users.json', { users: this.users });
    this.grantsFile = file('grants.json', { codes: this.codes, grants: this.grants });
    this.flowsFile = file('flows.json', { flows: this.flows });
  }

  /** `io` replaces the file operations of every write, for fault-injection tests. */
  static async open(dataDir: string, io?: FileIo): Promise<Store> {
    await fs.mkdir(dataDir, { recursive: true, mode: 0o700 });
    const store = new Store(dataDir, io);
    for (const file of store.files()) await file.open();
    return store;
  }

  files(): DataFile<Collections>[] {
    return [this.clientsFile, this.usersFile, this.grantsFile, this.flowsFile];
  }

  async close(): Promise<void> {
    for (const file of this.files()) await file.close();
  }

  /** Commits a file and remembers whether writing works, for /health. */
  async commit(file: DataFile<Collections>): Promise<void> {
    try {
      await file.commit();
    } catch (error) {
      throw new StorageWriteError(file.path, error);
    }
    this.writeErrors.delete(basename(file.path));
    this.lastWriteOkAt = performance.now();
  }

  /**
   * Whether writes work, judged by trying, never by permission bits (root passes any of those,
   * and a data dir may refuse new files while its journals still take appends): healthy while
   * the last write went through; after a failed write, or when none was made lately, a small
   * durable write of its own decides, so health comes back by itself once the disk does.
   */
  health(): Promise<StorageHealth> {
    const now = performance.now();
    const failing = this.writeErrors.size > 0;
    if (!failing && now - this.lastWriteOkAt < TRUST_LAST_WRITE_MS) return Promise.resolve({ ok: true });
    if (!this.probe || now - this.probe.at > RETRY_PROBE_MS) this.probe = { at: now, result: this.tryWrite(failing ? RECOVERY_PROBE_BYTES : 0) };
    return this.probe.result;
  }

  /** Appends a line (and `padding` bytes) to `health-probe` and syncs it, as a journal commit does, then empties the file again. */
  private async tryWrite(padding: number): Promise<StorageHealth> {
    try {
      const handle = await (this.io ?? fs).open(join(this.dataDir, 'health-probe'), 'a', 0o600);
      try {
        await handle.appendFile(`${new Date().toISOString()} ${'.'.repeat(padding)}\n`);
        await handle.datasync();
        await handle.truncate(0);
      } finally {
        await handle.close();
      }
    } catch (error) {
      const [lastFailure] = [...this.writeErrors.values()].slice(-1);
      return { ok: false, problem: lastFailure ?? `writing to the data dir failed: ${describeWriteError(error)}` };
    }
    this.writeErrors.clear();
    this.lastWriteOkAt = performance.now();
    return { ok: true };
  }
}
