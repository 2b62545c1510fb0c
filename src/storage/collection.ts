export interface CollectionChanges<T> {
  put: T[];
  deleted: string[];
}

/** Keeps a secondary lookup in step with a collection's records. */
export interface Index<T> {
  add(record: T): void;
  remove(record: T): void;
  clear(): void;
}

/**
 * Records of one kind, in memory, keyed by id. Records are replaced, never mutated in place,
 * so indexes can drop the old version's keys.
 */
export class Collection<T> {
  private readonly records = new Map<string, T>();
  private readonly indexes: Index<T>[] = [];
  /** Ids put or deleted since the last `takeChanges()`: what the next journal entry must hold. */
  private readonly changed = new Set<string>();

  constructor(private readonly idOf: (record: T) => string) {}

  addIndex(index: Index<T>): void {
    this.indexes.push(index);
    for (const record of this.records.values()) index.add(record);
  }

  get(id: string): T | undefined {
    return this.records.get(id);
  }

  values(): IterableIterator<T> {
    return this.records.values();
  }

  get size(): number {
    return this.records.size;
  }

  put(record: T): void {
    const id = this.idOf(record);
    const previous = this.records.get(id);
    if (previous) for (const index of this.indexes) index.remove(previous);
    this.records.set(id, record);
    this.changed.add(id);
    for (const index of this.indexes) index.add(record);
  }

  delete(id: string): boolean {
    const previous = this.records.get(id);
    if (!previous) return false;
    for (const index of this.indexes) index.remove(previous);
    this.changed.add(id);
    return this.records.delete(id);
  }

  /** Used when loading and when rolling back to what is on disk. */
  replaceAll(records: readonly T[]): void {
    this.records.clear();
    for (const index of this.indexes) index.clear();
    for (const record of records) this.put(record);
    this.changed.clear();
  }

  /** Applies a journal entry's changes, as loaded from disk (not a new change). */
  apply(changes: CollectionChanges<T>): void {
    for (const record of changes.put) this.put(record);
    for (const id of changes.deleted) this.delete(id);
    this.changed.clear();
  }

  /** The changes since the last call: current versions of changed records, and ids deleted. */
  takeChanges(): CollectionChanges<T> {
    const changes: CollectionChanges<T> = { put: [], deleted: [] };
    for (const id of this.changed) {
      const record = this.records.get(id);
      if (record) changes.put.push(record);
      else changes.deleted.push(id);
    }
    this.changed.clear();
    return changes;
  }

  toArray(): T[] {
    return [...this.records.values()];
  }
}
