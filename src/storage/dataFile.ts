import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { basename } from 'node:path';
import { Low } from 'lowdb';
import type { FileIo } from './atomicWrite.js';
import type { Collection, CollectionChanges } from './collection.js';
import { GroupCommit } from './groupCommit.js';
import { Journal, type DamagedLine } from './journal.js';
import { DataFileError, SnapshotAdapter } from './snapshotAdapter.js';

/** Journal lines that could not be read although later ones could: their changes are not in memory. */
export interface DamagedJournalLines {
  journal: string;
  /** 1-based. */
  lines: number[];
  /** Where they were kept, verbatim: the journal's path + `.damaged`. */
  keptIn: string;
}

/**
 * Upgrades a document of version `from` to `from + 1`. It must map records one by one: it is also
 * given a journal line's changed records as a document of their own (`{ grants: [...] }`).
 */
export type Migration = (document: Record<string, unknown>) => Record<string, unknown>;

// Which record types a file holds does not matter to the file itself.
export type Collections = Record<string, Collection<any>>;

export interface DataFileOptions<C extends Collections> {
  path: string;
  collections: C;
  /** `migrations[n]` upgrades version n+1 to n+2; the current version is `migrations.length + 1`. */
  migrations?: Migration[];
  /** Told when a write fails, with the error, after memory went back to what is on disk. */
  onWriteFailed?: (error: unknown) => void;
  /** Told at open about journal lines that were damaged in the middle of the journal and kept aside. */
  onDamagedLines?: (report: DamagedJournalLines) => void;
  io?: FileIo;
}

/**
 * One journal line: the records each collection changed in one group commit. `seq` grows by one
 * a line; the snapshot names the last one it includes, so older lines are never replayed over it.
 */
interface JournalEntry {
  seq: number;
  changes: Record<string, CollectionChanges<unknown>>;
}

/** The journal is folded into a new snapshot once it outgrows the snapshot (and at least this). */
const MIN_COMPACTION_BYTES = 1 << 20;

/**
 * One JSON file (a snapshot with a schema version) plus its journal, holding one or more
 * collections. Changes are made in memory, then `commit()` resolves once they are durable: each
 * group commit appends the changed records to the journal, so its cost does not grow with the
 * store; now and then the journal is folded into a new snapshot. A failed write puts memory back
 * to what is on disk, so the two never disagree.
 */
export class DataFile<C extends Collections> {
  readonly path: string;
  readonly version: number;
  private readonly low: Low<Record<string, unknown>>;
  private readonly snapshot: SnapshotAdapter<Record<string, unknown>>;
  private readonly journal: Journal;
  private readonly commits: GroupCommit;
  private seq = 0;
  private compactNext = false;

  constructor(private readonly options: DataFileOptions<C>) {
    this.path = options.path;
    this.version = (options.migrations?.length ?? 0) + 1;
    this.snapshot = new SnapshotAdapter(options.path, options.io);
    // The document serializes the collections only when a snapshot is written.
    this.low = new Low(this.snapshot, { toJSON: () => this.snapshotDocument() });
    this.journal = new Journal(`${options.path.replace(/\.json$/, '')}.journal`, options.io);
    this.commits = new GroupCommit(
      () => this.flush(),
      (error) => this.rollback(error),
    );
  }

  get collections(): C {
    return this.options.collections;
  }

  /**
   * Loads the snapshot and replays the journal; a missing file is an empty store. A migrated or
   * journaled file is written back as one snapshot, so the journal only ever holds this version.
   */
  async open(): Promise<void> {
    const { migrated, missing, damagedLines } = this.loadFromDisk();
    // Before the journal is folded away, so a damaged line is never lost with it.
    if (damagedLines.length > 0) this.keepAside(damagedLines);
    // A new file starts as a snapshot, so a journal always has one to apply to.
    this.compactNext ||= missing;
    // Any journal, even one holding only a torn line, is folded in now: a later line must never
    // be appended after a torn one.
    if (migrated || this.journal.size > 0) {
      this.compactNext = true;
      // A full disk must not keep the store from opening: the failed write put memory back to
      // what is on disk, the next write tries the snapshot again, and onWriteFailed reports it.
      await this.commits.request().catch(() => undefined);
    }
  }

  commit(): Promise<void> {
    return this.commits.request();
  }

  async close(): Promise<void> {
    await this.journal.close();
  }

  /** The file's name in the data dir, e.g. `grants.json`. */
  get name(): string {
    return basename(this.options.path);
  }

  /**
   * The whole file as one snapshot document (what `<name>` holds once its journal is folded in),
   * serialized synchronously: several files read one after another without an await between them
   * show the same instant. A data dir holding only such documents, and no journals, opens as is.
   */
  document(): Record<string, unknown> {
    return this.snapshotDocument();
  }

  private async flush(): Promise<void> {
    const entry: JournalEntry = { seq: this.seq + 1, changes: {} };
    let changed = false;
    for (const [name, collection] of Object.entries(this.options.collections)) {
      const changes = collection.takeChanges();
      if (changes.put.length + changes.deleted.length > 0) {
        entry.changes[name] = changes;
        changed = true;
      }
    }
    if (changed) this.seq = entry.seq;
    if (this.compactNext || this.journal.size > Math.max(MIN_COMPACTION_BYTES, this.snapshot.size)) {
      await this.writeSnapshot();
    } else if (changed) {
      await this.journal.append(JSON.stringify(entry));
    }
  }

  private async writeSnapshot(): Promise<void> {
    await this.low.write();
    await this.journal.clear();
    this.compactNext = false;
  }

  private snapshotDocument(): Record<string, unknown> {
    const document: Record<string, unknown> = { version: this.version, seq: this.seq };
    for (const [name, collection] of Object.entries(this.options.collections)) document[name] = collection.toArray();
    return document;
  }

  /**
   * Appends damaged journal lines, verbatim and each under a comment naming its line, to
   * `<journal>.damaged` and syncs it. A change lost there can be read and made again by hand.
   */
  private keepAside(damagedLines: DamagedLine[]): void {
    const keptIn = `${this.journal.path}.damaged`;
    const at = new Date().toISOString();
    const text = damagedLines.map((entry) => `# ${basename(this.journal.path)} line ${entry.line}, kept aside ${at}\n${entry.text}\n`).join('');
    try {
      const fd = openSync(keptIn, 'a', 0o600);
      try {
        writeSync(fd, text);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    } catch (error) {
      throw new DataFileError(this.journal.path, `has damaged lines (${damagedLines.map((entry) => entry.line).join(', ')}) that could not be kept aside in ${keptIn} (${(error as NodeJS.ErrnoException).code ?? error})`);
    }
    this.options.onDamagedLines?.({ journal: this.journal.path, lines: damagedLines.map((entry) => entry.line), keptIn });
  }

  /** Synchronous from start to end: no request can change memory halfway through. */
  private loadFromDisk(): { migrated: boolean; missing: boolean; damagedLines: DamagedLine[] } {
    const document = this.snapshot.readSync();
    const { migrated, current } = document === null ? { migrated: false, current: { version: this.version } } : this.migrate(document);
    const journalVersion = document === null ? this.version : (document['version'] as number);
    for (const [name, collection] of Object.entries(this.options.collections)) {
      const records = current[name] ?? [];
      if (!Array.isArray(records)) throw new DataFileError(this.path, `has a "${name}" that is not a list`);
      collection.replaceAll(records);
    }
    this.seq = typeof current['seq'] === 'number' ? current['seq'] : 0;
    const { entries, damaged, damagedLines } = this.journal.readEntries<JournalEntry>();
    // A journal with a torn line must not be appended to: the next write is a snapshot.
    if (damaged) this.compactNext = true;
    for (const entry of entries) {
      if (!(entry.seq > this.seq)) continue; // already in the snapshot
      // The journal was written at the snapshot's version: its records migrate with it.
      const changes = journalVersion < this.version ? this.migrateChanges(entry.changes, journalVersion) : entry.changes;
      for (const [name, change] of Object.entries(changes)) this.options.collections[name]?.apply(change);
      this.seq = entry.seq;
    }
    return { migrated, missing: document === null, damagedLines };
  }

  private migrate(document: Record<string, unknown>): { migrated: boolean; current: Record<string, unknown> } {
    let version = document['version'];
    if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
      throw new DataFileError(this.path, 'has no valid "version" field');
    }
    if (version > this.version) {
      throw new DataFileError(this.path, `has version ${version}, newer than this program's ${this.version} (was it downgraded?)`);
    }
    const from = version;
    let current = document;
    for (; version < this.version; version++) {
      current = { ...this.options.migrations![version - 1]!(current), version: version + 1 };
    }
    return { migrated: version !== from, current };
  }

  private migrateChanges(changes: JournalEntry['changes'], from: number): JournalEntry['changes'] {
    let puts: Record<string, unknown> = Object.fromEntries(Object.entries(changes).map(([name, change]) => [name, change.put]));
    for (let version = from; version < this.version; version++) puts = this.options.migrations![version - 1]!(puts);
    return Object.fromEntries(
      Object.entries(changes).map(([name, change]) => [name, { ...change, put: (puts[name] ?? []) as unknown[] }]),
    );
  }

  private rollback(error: unknown): void {
    try {
      this.loadFromDisk();
    } catch (readError) {
      // The disk cannot even be read back: report that, the health check turns red.
      this.options.onWriteFailed?.(readError);
      return;
    }
    this.options.onWriteFailed?.(error);
  }
}
