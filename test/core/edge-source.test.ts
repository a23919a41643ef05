/**
 * The Workers limits around the object source (worker/src/storage/edge-source.ts): never more
 * than 6 reads in flight; and the bench entry's simulated latency (worker/bench/latency-source.ts)
 * under it, waited once per read, inside the read's slot.
 */
import { describe, expect, it } from 'vitest';
import { LatencySource } from '../../worker/bench/latency-source';
import { EdgeSource, WORKERS_CONNECTION_LIMIT } from '../../worker/src/storage/edge-source';
import type { ObjectSource } from '../../worker/src/storage/object-source';

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** Lets pending promise callbacks run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

/** A source whose reads finish only when the test releases them; it records the most in flight. */
class GatedSource implements ObjectSource {
  readonly started: string[] = [];
  readonly gates = new Map<string, Deferred>();
  readonly released = new Set<string>();
  inFlight = 0;
  maxInFlight = 0;

  async get(key: string): Promise<Uint8Array | null> {
    this.started.push(key);
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    const gate = deferred();
    this.gates.set(key, gate);
    await gate.promise;
    this.inFlight -= 1;
    return new TextEncoder().encode(key);
  }

  release(key: string): void {
    const gate = this.gates.get(key);
    if (!gate) throw new Error(`${key} has not started`);
    this.released.add(key);
    gate.resolve();
  }
}

/** A sleep the test controls: records each wait and finishes it on demand. */
class ManualSleep {
  readonly waits: { ms: number; done: Deferred }[] = [];
  readonly sleep = (ms: number): Promise<void> => {
    const done = deferred();
    this.waits.push({ ms, done });
    return done.promise;
  };
  finishAll(): void {
    for (const wait of this.waits) wait.done.resolve();
  }
}

const decode = (bytes: Uint8Array | null): string | null => (bytes === null ? null : new TextDecoder().decode(bytes));

describe('EdgeSource', () => {
  it('is limited to the Workers connection limit of 6', () => {
    expect(WORKERS_CONNECTION_LIMIT).toBe(6);
  });

  it('never has more than 6 reads in flight, and starts the waiting ones in order as slots free up', async () => {
    const inner = new GatedSource();
    const source = new EdgeSource(inner, { maxConcurrentReads: WORKERS_CONNECTION_LIMIT });
    const keys = Array.from({ length: 20 }, (_, i) => `key-${i}`);
    const results = keys.map((key) => source.get(key));
    await settle();
    expect(inner.started).toEqual(keys.slice(0, 6));
    expect(source.readsInFlight).toBe(6);

    // Finish reads one at a time, out of order: each frees exactly one slot.
    for (let finished = 0; finished < keys.length; finished++) {
      const running = inner.started.filter((key) => !inner.released.has(key));
      inner.release(running[running.length - 1] as string);
      await settle();
      expect(inner.inFlight).toBeLessThanOrEqual(6);
      expect(inner.started.length).toBe(Math.min(keys.length, 6 + finished + 1));
    }
    expect(inner.started).toEqual(keys);
    expect((await Promise.all(results)).map(decode)).toEqual(keys);
    expect(inner.maxInFlight).toBe(6);
    expect(source.readsInFlight).toBe(0);
  });

  it('waits the simulated latency once per read, before the read and inside its slot', async () => {
    const inner = new GatedSource();
    const clock = new ManualSleep();
    const source = new EdgeSource(new LatencySource(inner, 15, clock.sleep), { maxConcurrentReads: WORKERS_CONNECTION_LIMIT });

    const results = Array.from({ length: 8 }, (_, i) => source.get(`k${i}`));
    await settle();
    // Only 6 reads hold a slot, so only 6 are waiting their latency; none has reached R2 yet.
    expect(clock.waits.map((wait) => wait.ms)).toEqual([15, 15, 15, 15, 15, 15]);
    expect(inner.started).toEqual([]);

    clock.finishAll();
    await settle();
    expect(inner.started).toEqual(['k0', 'k1', 'k2', 'k3', 'k4', 'k5']);
    inner.release('k0');
    inner.release('k1');
    await settle();
    // Two slots freed: two more reads wait their own latency.
    expect(clock.waits.length).toBe(8);
    clock.finishAll();
    await settle();
    for (const key of ['k2', 'k3', 'k4', 'k5', 'k6', 'k7']) inner.release(key);
    expect((await Promise.all(results)).map(decode)).toEqual(['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7']);
    expect(clock.waits.length).toBe(8);
  });

  it('waits nothing when the latency is 0', async () => {
    const clock = new ManualSleep();
    const source = new LatencySource({ get: (key) => Promise.resolve(new TextEncoder().encode(key)) }, 0, clock.sleep);
    expect(decode(await source.get('a'))).toBe('a');
    expect(clock.waits).toEqual([]);
  });

  it('reports how long reads were in flight, overlapping ones once, queued ones included', async () => {
    const inner = new GatedSource();
    let clock = 0;
    const waits: number[] = [];
    const source = new EdgeSource(inner, { maxConcurrentReads: 2, now: () => clock, onReadWait: (ms) => waits.push(ms) });
    const a = source.get('a');
    await settle();
    clock = 5;
    const b = source.get('b');
    const c = source.get('c'); // waits for a slot
    await settle();
    clock = 10;
    inner.release('a');
    await settle();
    expect(inner.started).toEqual(['a', 'b', 'c']);
    clock = 20;
    inner.release('b');
    await settle();
    clock = 25;
    inner.release('c');
    await Promise.all([a, b, c]);
    expect(waits).toEqual([25]);

    clock = 40;
    const d = source.get('d');
    await settle();
    clock = 43;
    inner.release('d');
    await d;
    expect(waits).toEqual([25, 3]);

    // One slot: the queued read takes it over, and the wait goes on without a break.
    const single = new GatedSource();
    const singleWaits: number[] = [];
    const one = new EdgeSource(single, { maxConcurrentReads: 1, now: () => clock, onReadWait: (ms) => singleWaits.push(ms) });
    clock = 100;
    const e = one.get('e');
    const f = one.get('f');
    await settle();
    clock = 110;
    single.release('e');
    await settle();
    clock = 115;
    single.release('f');
    await Promise.all([e, f]);
    expect(singleWaits).toEqual([15]);
  });

  it('passes misses and failures through, and a failed read frees its slot', async () => {
    const source = new EdgeSource(
      { get: (key) => (key === 'bad' ? Promise.reject(new Error('R2 failed')) : Promise.resolve(null)) },
      { maxConcurrentReads: 1 },
    );
    await expect(source.get('bad')).rejects.toThrow('R2 failed');
    expect(await source.get('missing')).toBeNull();
    expect(source.readsInFlight).toBe(0);
  });
});
