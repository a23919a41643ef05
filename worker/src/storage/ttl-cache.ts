/**
 * A small time-bounded cache of promises. Concurrent loads of the same key share one promise
 * (so one R2 read), failed loads are forgotten, and both the entry count and the accounted bytes
 * of the loaded values are bounded (the oldest entries go first; with one TTL for all they are
 * also the first to expire, and expired ones are dropped as new ones come in).
 */

/** A loaded value with its approximate size in memory. */
export interface Sized<T> {
  value: T;
  bytes: number;
}

interface Entry<T> {
  expires: number;
  value: Promise<T>;
  /** Accounted once loaded; 0 while loading. */
  bytes: number;
}

/** Accounted per entry on top of its value: the key (two bytes a character) and the entry itself. */
export function entryOverheadBytes(key: string): number {
  return 64 + 2 * key.length;
}

export class TtlCache<T> {
  private readonly entries = new Map<string, Entry<T>>();
  private totalBytes = 0;

  constructor(
    private readonly ttlMs: number,
    readonly maxEntries: number,
    readonly maxBytes: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The cached value of `key`, or the result of `load` (cached for ttlMs unless it rejects or is too large). */
  get(key: string, load: () => Promise<Sized<T>>): Promise<T> {
    const now = this.now();
    const hit = this.entries.get(key);
    if (hit && hit.expires > now) return hit.value;
    if (hit) this.delete(key);
    const loading = load();
    const value = loading.then((sized) => sized.value);
    if (this.ttlMs <= 0) return value;
    this.dropExpired(now);
    const entry: Entry<T> = { expires: now + this.ttlMs, value, bytes: 0 };
    this.entries.set(key, entry);
    loading.then(
      (sized) => this.account(key, entry, sized.bytes + entryOverheadBytes(key)),
      () => {
        if (this.entries.get(key) === entry) this.delete(key);
      },
    );
    this.evict();
    return value;
  }

  /** Whether `key` has a live entry (loaded or loading): get() would not call its loader. */
  holds(key: string): boolean {
    const hit = this.entries.get(key);
    return hit !== undefined && hit.expires > this.now();
  }

  clear(): void {
    this.entries.clear();
    this.totalBytes = 0;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Accounted bytes of the loaded entries (never above maxBytes once evict() has run). */
  get bytes(): number {
    return this.totalBytes;
  }

  private account(key: string, entry: Entry<T>, bytes: number): void {
    if (this.entries.get(key) !== entry) return;
    if (bytes > this.maxBytes) {
      this.delete(key);
      return;
    }
    entry.bytes = bytes;
    this.totalBytes += bytes;
    this.evict();
  }

  private delete(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.totalBytes -= entry.bytes;
  }

  /** Entries are in insertion order, so with one TTL the expired ones come first. */
  private dropExpired(now: number): void {
    for (const [key, entry] of this.entries) {
      if (entry.expires > now) break;
      this.delete(key);
    }
  }

  private evict(): void {
    for (const key of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries && this.totalBytes <= this.maxBytes) break;
      this.delete(key);
    }
  }
}
