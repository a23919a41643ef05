/** A least-recently-used cache bounded by the approximate size of its values. */
export class ByteBoundedLru<T> {
  private readonly entries = new Map<string, { value: T; bytes: number }>();
  private totalBytes = 0;

  constructor(readonly maxBytes: number) {}

  get(key: string): T | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  /** Whether `key` is held (its recency unchanged). */
  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** Stores the value unless it alone exceeds the bound; evicts the least recently used ones. */
  set(key: string, value: T, bytes: number): void {
    this.delete(key);
    if (bytes > this.maxBytes) return;
    this.entries.set(key, { value, bytes });
    this.totalBytes += bytes;
    for (const [oldKey, oldEntry] of this.entries) {
      if (this.totalBytes <= this.maxBytes) break;
      this.entries.delete(oldKey);
      this.totalBytes -= oldEntry.bytes;
    }
  }

  delete(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.totalBytes -= entry.bytes;
  }

  clear(): void {
    this.entries.clear();
    this.totalBytes = 0;
  }

  get size(): number {
    return this.entries.size;
  }

  get bytes(): number {
    return this.totalBytes;
  }
}
