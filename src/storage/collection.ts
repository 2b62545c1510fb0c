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
    for (const index of this.indexes) index.add(record);
  }

  delete(id: string): boolean {
    const previous = this.records.get(id);
    if (!previous) return false;
    for (const index of this.indexes) index.remove(previous);
    return this.records.delete(id);
  }

  /** Used when loading and when rolling back to what is on disk. */
  replaceAll(records: readonly T[]): void {
    this.records.clear();
    for (const index of this.indexes) index.clear();
    for (const record of records) this.put(record);
  }

  toArray(): T[] {
    return [...this.records.values()];
  }
}
