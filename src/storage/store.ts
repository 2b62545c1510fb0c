import { access, constants, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Collection } from './collection.js';
import { writeFileDurably, type FileIo } from './atomicWrite.js';
import { DataFile, type Collections } from './dataFile.js';
import type { ClientRecord, CodeRecord, FlowRecord, GrantRecord, UserRecord } from './records.js';
import { TokenIndex, type TokenKind } from './tokenIndex.js';

/** A change could not be made durable; it was rolled back in memory too. */
export class StorageWriteError extends Error {
  constructor(readonly path: string, cause: unknown) {
    super(`writing ${path} failed: ${(cause as NodeJS.ErrnoException).code ?? String(cause)}`, { cause });
  }
}

export interface StorageHealth {
  ok: boolean;
  /** Why storage is unhealthy: the last failed write, or the data dir not writable. */
  problem?: string;
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
  private lastWriteError: string | undefined;

  private constructor(
    readonly dataDir: string,
    private readonly io: FileIo | undefined,
  ) {
    const onWriteFailed = (error: unknown) => {
      this.lastWriteError = `a write failed: ${(error as NodeJS.ErrnoException).code ?? String(error)}`;
    };
    this.grants.addIndex(this.tokens);
    const file = <C extends Collections>(name: string, collections: C) =>
      new DataFile({ path: join(dataDir, name), collections, onWriteFailed, io });
    this.clientsFile = file('clients.json', { clients: this.clients });
    this.usersFile = file('users.json', { users: this.users });
    this.grantsFile = file('grants.json', { codes: this.codes, grants: this.grants });
    this.flowsFile = file('flows.json', { flows: this.flows });
  }

  /** `io` replaces the file operations of every write, for fault-injection tests. */
  static async open(dataDir: string, io?: FileIo): Promise<Store> {
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
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

  /** The grant holding a token, by the token's hash, and which of the grant's tokens it is. */
  findToken(hash: string): { grant: GrantRecord; kind: TokenKind } | undefined {
    const location = this.tokens.find(hash);
    const grant = location && this.grants.get(location.grantId);
    return grant && { grant, kind: location.kind };
  }

  /** Commits a file and remembers whether writing works, for /health. */
  async commit(file: DataFile<Collections>): Promise<void> {
    try {
      await file.commit();
    } catch (error) {
      throw new StorageWriteError(file.path, error);
    }
    this.lastWriteError = undefined;
  }

  /**
   * Healthy while writes succeed. After a failed write, each check tries a small durable write
   * of its own, so health comes back by itself once the disk does.
   */
  async health(): Promise<StorageHealth> {
    try {
      await access(this.dataDir, constants.W_OK);
      if (this.lastWriteError) {
        await writeFileDurably(join(this.dataDir, 'health-probe'), `${new Date().toISOString()}\n`, this.io);
        this.lastWriteError = undefined;
      }
      return { ok: true };
    } catch (error) {
      return { ok: false, problem: this.lastWriteError ?? `data dir is not writable: ${(error as NodeJS.ErrnoException).code ?? error}` };
    }
  }
}
