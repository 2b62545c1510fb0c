import * as fs from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Collection } from './collection.js';
import { syncDirectory, type FileIo } from './atomicWrite.js';
import { DataFile, type Collections, type DamagedJournalLines, type Migration } from './dataFile.js';
import { GRANTS_MIGRATIONS } from './grantMigrations.js';
import type { ClientRecord, CodeRecord, FlowRecord, GrantRecord, UserRecord } from './records.js';
import { TokenIndex, type TokenKind } from './tokenIndex.js';

/** A collection the store keeps in one of its files. */
type StoredCollection = Collection<ClientRecord> | Collection<UserRecord> | Collection<CodeRecord> | Collection<GrantRecord> | Collection<FlowRecord>;

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
/**
 * After a real write failed, the probe writes this much through a temporary file and a rename, as
 * a snapshot does: a disk with a few free blocks takes a line but not the snapshot that failed.
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

  /** Which file holds each collection: the store's own business, callers commit collections. */
  private readonly fileOf = new Map<StoredCollection, DataFile<Collections>>();
  private readonly dataFiles: DataFile<Collections>[];
  /** Journal lines found damaged when the files were opened, kept aside in `.damaged` files; the daemon logs them. */
  readonly damagedJournalLines: DamagedJournalLines[] = [];
  /** The last failed write of each file, by file name; a file's own next good write clears it. */
  private readonly writeErrors = new Map<string, string>();
  /** performance.now() of the last write that went through. */
  private lastWriteOkAt = -Infinity;
  /** The probe under way; every health check meanwhile shares its answer. */
  private probe: Promise<StorageHealth> | undefined;

  private constructor(
    readonly dataDir: string,
    private readonly io: FileIo | undefined,
  ) {
    const onWriteFailed = (name: string) => (error: unknown) => {
      this.writeErrors.set(name, `writing ${name} failed: ${describeWriteError(error)}`);
    };
    this.grants.addIndex(this.tokens);
    const file = <C extends Collections>(name: string, collections: C, migrations: Migration[] = []) =>
      new DataFile({
        path: join(dataDir, name),
        collections,
        migrations,
        onWriteFailed: onWriteFailed(name),
        onDamagedLines: (report) => this.damagedJournalLines.push(report),
        io,
      });
    this.dataFiles = [
      file('clients.json', { clients: this.clients }),
      file('users.json', { users: this.users }),
      file('grants.json', { codes: this.codes, grants: this.grants }, GRANTS_MIGRATIONS),
      file('flows.json', { flows: this.flows }),
    ];
    for (const dataFile of this.dataFiles) for (const collection of Object.values(dataFile.collections)) this.fileOf.set(collection, dataFile);
  }

  /** `io` replaces the file operations of every write, for fault-injection tests. */
  static async open(dataDir: string, io?: FileIo): Promise<Store> {
    await fs.mkdir(dataDir, { recursive: true, mode: 0o700 });
    const store = new Store(dataDir, io);
    for (const file of store.dataFiles) await file.open();
    return store;
  }

  async close(): Promise<void> {
    for (const file of this.dataFiles) await file.close();
  }

  /**
   * Every data file as it is at one instant, after every pending change is committed: file name
   * (e.g. `clients.json`) and JSON text, for a backup. Nothing awaits between the first and the
   * last document, so no change falls between them.
   */
  async snapshot(): Promise<{ name: string; text: string }[]> {
    await Promise.all(this.dataFiles.map((file) => this.commitFile(file)));
    return this.dataFiles.map((file) => ({ name: file.name, text: `${JSON.stringify(file.document())}\n` }));
  }

  /** The grant holding a token, by the token's hash, and which of the grant's tokens it is. */
  findToken(hash: string): { grant: GrantRecord; kind: TokenKind } | undefined {
    const location = this.tokens.find(hash);
    const grant = location && this.grants.get(location.grantId);
    return grant && { grant, kind: location.kind };
  }

  /**
   * Makes the changes made to these collections durable (codes and grants share one atomic
   * write), and remembers whether writing works, for /health.
   *
   * @throws StorageWriteError when a write fails; the change is rolled back in memory too.
   */
  async commit(...changed: StoredCollection[]): Promise<void> {
    const files = new Set(changed.map((collection) => this.fileOf.get(collection)!));
    await Promise.all([...files].map((file) => this.commitFile(file)));
  }

  private async commitFile(file: DataFile<Collections>): Promise<void> {
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
  async health(): Promise<StorageHealth> {
    // Small writes still fit the last blocks of the journals on a full disk; the next snapshot
    // will not. A disk with less room than a snapshot probe is unhealthy before that write fails.
    const full = await this.diskFull();
    if (full) return { ok: false, problem: full };
    const failing = this.writeErrors.size > 0;
    if (!failing && performance.now() - this.lastWriteOkAt < TRUST_LAST_WRITE_MS) return { ok: true };
    this.probe ??= this.tryWrite(failing).finally(() => (this.probe = undefined));
    return this.probe;
  }

  /** Why the data dir's disk counts as full (free space this process may use below the recovery probe's size), if it does. */
  private async diskFull(): Promise<string | undefined> {
    const stats = await fs.statfs(this.dataDir).catch(() => undefined);
    if (!stats) return undefined; // the probe will say what is wrong
    // root may also use the blocks reserved for it.
    const free = (process.getuid?.() === 0 ? stats.bfree : stats.bavail) * stats.bsize;
    if (free >= RECOVERY_PROBE_BYTES) return undefined;
    return `ENOSPC (no space left on the disk: ${Math.floor(free / 1024)} KB free)`;
  }

  /**
   * Healthy: appends a line to `health-probe` and syncs it, as a journal commit does (no new
   * directory entry, so a data dir that only takes appends is healthy). Recovering: writes 64 KB to
   * `health-probe.tmp`, syncs, renames it over `health-probe` and syncs the directory, as a
   * snapshot does. Either way the file is left empty.
   */
  private async tryWrite(recovering: boolean): Promise<StorageHealth> {
    const io = this.io ?? fs;
    const path = join(this.dataDir, 'health-probe');
    try {
      const target = recovering ? `${path}.tmp` : path;
      const handle = await io.open(target, recovering ? 'w' : 'a', 0o600);
      try {
        await handle.appendFile(`${new Date().toISOString()} ${'.'.repeat(recovering ? RECOVERY_PROBE_BYTES : 0)}\n`);
        await handle.datasync();
        await handle.truncate(0);
      } finally {
        await handle.close();
      }
      if (recovering) {
        await io.rename(target, path);
        await syncDirectory(this.dataDir, io);
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
