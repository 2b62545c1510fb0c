import { Low } from 'lowdb';
import type { Collection } from './collection.js';
import type { FileIo } from './atomicWrite.js';
import { DataFileError, DurableJsonAdapter } from './durableJsonAdapter.js';

/** Upgrades a document of version `from` to `from + 1`. */
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
  io?: FileIo;
}

/**
 * One JSON file holding one or more collections, with a schema version. Changes are made in
 * memory, then `commit()` resolves once they are durably on disk (group commit). A failed
 * write puts memory back to the file's content, so the two never disagree.
 */
export class DataFile<C extends Collections> {
  readonly path: string;
  readonly version: number;
  private readonly low: Low<Record<string, unknown>>;
  private readonly adapter: DurableJsonAdapter<Record<string, unknown>>;

  constructor(private readonly options: DataFileOptions<C>) {
    this.path = options.path;
    this.version = (options.migrations?.length ?? 0) + 1;
    this.adapter = new DurableJsonAdapter(options.path, (error) => this.rollback(error), options.io);
    // The document serializes the collections only when a write starts (see DurableJsonAdapter).
    this.low = new Low(this.adapter, { toJSON: () => this.snapshot() });
  }

  get collections(): C {
    return this.options.collections;
  }

  /** Loads the file, migrating it forward; a missing file is an empty store. */
  async open(): Promise<void> {
    const document = await this.adapter.read();
    if (document === null) return;
    this.load(this.migrate(document));
  }

  commit(): Promise<void> {
    return this.low.write();
  }

  private snapshot(): Record<string, unknown> {
    const document: Record<string, unknown> = { version: this.version };
    for (const [name, collection] of Object.entries(this.options.collections)) document[name] = collection.toArray();
    return document;
  }

  private migrate(document: Record<string, unknown>): Record<string, unknown> {
    let version = document['version'];
    if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
      throw new DataFileError(this.path, 'has no valid "version" field');
    }
    if (version > this.version) {
      throw new DataFileError(this.path, `has version ${version}, newer than this program's ${this.version} (was it downgraded?)`);
    }
    let current = document;
    for (; version < this.version; version++) {
      current = { ...this.options.migrations![version - 1]!(current), version: version + 1 };
    }
    return current;
  }

  private load(document: Record<string, unknown>): void {
    for (const [name, collection] of Object.entries(this.options.collections)) {
      const records = document[name] ?? [];
      if (!Array.isArray(records)) throw new DataFileError(this.path, `has a "${name}" that is not a list`);
      collection.replaceAll(records);
    }
  }

  private rollback(error: unknown): void {
    try {
      const document = this.adapter.readSync();
      if (document === null) {
        for (const collection of Object.values(this.options.collections)) collection.replaceAll([]);
      } else {
        this.load(this.migrate(document));
      }
    } catch (readError) {
      // The disk cannot even be read back: report that, the health check turns red.
      this.options.onWriteFailed?.(readError);
      return;
    }
    this.options.onWriteFailed?.(error);
  }
}
