/**
 * Interned member names: the same few thousand histogram, scalar and label names recur in every
 * ping, so each is decoded to a string once and found again by its raw bytes (a string's value is
 * a function of its raw bytes, escapes and invalid UTF-8 included). Open addressing over typed
 * arrays; bounded (a hostile ping with a million distinct keys empties the table, it does not grow
 * it without end). Pure: no I/O.
 */
import { decodeJsonString } from './json-text';

const MAX_NAMES = 1 << 16;

/** FNV-1a over a name's bytes: HASH_SEED, then hashStep for each byte (callers may hash while they scan). */
export const HASH_SEED = 0x811c9dc5 | 0;
export function hashStep(hash: number, byte: number): number {
  return Math.imul(hash ^ byte, 0x01000193);
}
const MAX_POOL_BYTES = 1 << 22;

export class NameTable {
  /** The number of the name the last call to name() returned; -1 when it was not kept. */
  id = -1;
  /** Goes up whenever the table is emptied: numbers given before then mean other names now. */
  generation = 0;
  /** Slot -> name number + 1 (0: empty); twice as many slots as names, a power of two. */
  private slots = new Int32Array(MAX_NAMES * 2);
  private readonly hashes = new Int32Array(MAX_NAMES);
  private readonly starts = new Int32Array(MAX_NAMES + 1);
  private pool = new Uint8Array(1 << 16);
  private names: string[] = [];
  /** Per name: 1 if it is an array index (JSON.parse's objects put those first), else 0. */
  private readonly indexLike = new Uint8Array(MAX_NAMES);
  /** Per name: the last object it was seen in (see seenIn). */
  private readonly marks = new Int32Array(MAX_NAMES);

  /** The string of a JSON string whose content is [start, end) of `buffer` (flags from JsonCursor.scanString). */
  name(buffer: Buffer, start: number, end: number, escaped: boolean, nonAscii: boolean): string {
    let hash = HASH_SEED;
    for (let i = start; i < end; i++) hash = hashStep(hash, buffer[i] as number);
    return this.find(buffer, start, end, hash, escaped, nonAscii);
  }

  /** name(), with the hash of [start, end) already computed. */
  find(buffer: Buffer, start: number, end: number, hashOfBytes: number, escaped: boolean, nonAscii: boolean): string {
    const hash = hashOfBytes | 0; // as the Int32Array keeps it
    const length = end - start;
    const mask = this.slots.length - 1;
    const starts = this.starts;
    const pool = this.pool;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const entry = (this.slots[slot] as number) - 1;
      if (entry < 0) return this.add(slot, hash, buffer, start, end, escaped, nonAscii);
      if (this.hashes[entry] !== hash) continue;
      const at = starts[entry] as number;
      if ((starts[entry + 1] as number) - at !== length) continue;
      let same = true;
      for (let i = 0; i < length; i++) {
        if (pool[at + i] !== buffer[start + i]) {
          same = false;
          break;
        }
      }
      if (same) {
        this.id = entry;
        return this.names[entry] as string;
      }
    }
  }

  private add(slot: number, hash: number, buffer: Buffer, start: number, end: number, escaped: boolean, nonAscii: boolean): string {
    const text = decodeJsonString(buffer, start, end, escaped, nonAscii);
    const length = end - start;
    let entry = this.names.length;
    let used = this.starts[entry] as number;
    if (entry === MAX_NAMES || used + length > MAX_POOL_BYTES) {
      if (length > MAX_POOL_BYTES) {
        this.id = -1;
        return text;
      }
      this.clear();
      entry = 0;
      used = 0;
      slot = hash & (this.slots.length - 1);
    }
    if (used + length > this.pool.length) {
      const grown = new Uint8Array(Math.min(MAX_POOL_BYTES, Math.max(this.pool.length * 2, used + length)));
      grown.set(this.pool.subarray(0, used));
      this.pool = grown;
    }
    this.pool.set(buffer.subarray(start, end), used);
    this.starts[entry + 1] = used + length;
    this.hashes[entry] = hash;
    this.slots[slot] = entry + 1;
    this.indexLike[entry] = isArrayIndex(text) ? 1 : 0;
    this.marks[entry] = 0;
    this.names.push(text);
    this.id = entry;
    return text;
  }

  /** Whether name number `id` is an array index ("0", "17": a canonical integer below 2^32 - 1). */
  isIndex(id: number): boolean {
    return this.indexLike[id] === 1;
  }

  /** Marks name number `id` as seen in object number `object` (> 0); true if it already was (a duplicate). */
  seenIn(id: number, object: number): boolean {
    if (this.marks[id] === object) return true;
    this.marks[id] = object;
    return false;
  }

  private clear(): void {
    this.slots.fill(0);
    this.names = [];
    this.starts[0] = 0;
    this.generation++;
  }
}

const MAX_ARRAY_INDEX = 2 ** 32 - 2;

function isArrayIndex(text: string): boolean {
  if (text.length === 0 || text.length > 10) return false;
  if (text.length > 1 && text.charCodeAt(0) === 0x30) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return Number(text) <= MAX_ARRAY_INDEX;
}
