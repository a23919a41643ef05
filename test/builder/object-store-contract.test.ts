/**
 * The ObjectStore contract, run against every store the builder can publish to (memory, `dir:`,
 * `local` = Miniflare R2): conditional puts with HTTP/S3 semantics, compare-and-swap between
 * concurrent writers, whole-object visibility, and listings that never show a write in progress.
 *
 * The `dir:` store also gets the cases only it has: conditional writes from several processes
 * at once (a shared counter must not lose an increment), and recovery of abandoned lock files.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DirectoryStore } from '../../builder/src/publish/directory-store';
import { LOCK_MARK } from '../../builder/src/publish/file-lock';
import type { ObjectStore } from '../../builder/src/publish/object-store';
import { conditionAfter } from '../../builder/src/publish/object-store';
import { MemoryStore } from '../helpers/memory-store';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TYPE = 'application/octet-stream';
const bytesOf = (text: string) => new TextEncoder().encode(text);
const textOf = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'store-contract-'));
});
afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

let seq = 0;
const STORES: { name: string; open: () => Promise<ObjectStore> }[] = [
  { name: 'memory', open: async () => new MemoryStore() },
  { name: 'dir', open: () => DirectoryStore.open(path.join(tmp, `dir-${++seq}`)) },
  {
    name: 'local (Miniflare R2)',
    open: async () => {
      const { LocalR2Store } = await import('../../builder/src/publish/local-r2-store');
      return LocalR2Store.open({ persistDir: path.join(tmp, `r2-${++seq}`) });
    },
  },
];

describe.each(STORES)('$name store', ({ open }) => {
  let store: ObjectStore;
  beforeAll(async () => {
    store = await open();
  });
  afterAll(async () => {
    await store?.close();
  });

  it('an unconditional put creates and overwrites; get returns the bytes and the etag put returned', async () => {
    const first = await store.put('plain/a', bytesOf('one'), TYPE);
    expect(first.ok).toBe(true);
    const read = await store.get('plain/a');
    expect(read && textOf(read.bytes)).toBe('one');
    expect(first.ok && read?.etag).toBe(first.ok && first.etag);
    const second = await store.put('plain/a', bytesOf('two'), TYPE);
    expect(second.ok && second.etag).not.toBe(first.ok && first.etag);
    expect(textOf((await store.get('plain/a'))?.bytes ?? new Uint8Array())).toBe('two');
    expect(await store.get('plain/absent')).toBeNull();
  });

  it('ifNoneMatch * writes only where nothing is', async () => {
    expect((await store.put('create/a', bytesOf('first'), TYPE, { ifNoneMatch: '*' })).ok).toBe(true);
    expect(await store.put('create/a', bytesOf('second'), TYPE, { ifNoneMatch: '*' })).toEqual({
      ok: false,
      reason: 'precondition-failed',
    });
    expect(textOf((await store.get('create/a'))?.bytes ?? new Uint8Array())).toBe('first');
  });

  it('ifMatch writes only on top of that exact version, and never onto nothing', async () => {
    await store.put('cas/a', bytesOf('v1'), TYPE);
    const v1 = await store.get('cas/a');
    const v2 = await store.put('cas/a', bytesOf('v2'), TYPE, conditionAfter(v1));
    expect(v2.ok).toBe(true);
    // v1's etag is stale now
    expect(await store.put('cas/a', bytesOf('v3'), TYPE, conditionAfter(v1))).toEqual({ ok: false, reason: 'precondition-failed' });
    expect(textOf((await store.get('cas/a'))?.bytes ?? new Uint8Array())).toBe('v2');
    expect(await store.put('cas/absent', bytesOf('x'), TYPE, { ifMatch: v2.ok ? v2.etag : '' })).toEqual({
      ok: false,
      reason: 'precondition-failed',
    });
    expect(await store.get('cas/absent')).toBeNull();
  });

  it('of several writers that read the same version, exactly one lands', async () => {
    for (const start of [null, 'base']) {
      const key = `race/${start ?? 'new'}`;
      if (start) await store.put(key, bytesOf(start), TYPE);
      const read = await store.get(key);
      const results = await Promise.all(
        ['w0', 'w1', 'w2', 'w3', 'w4'].map((writer) => store.put(key, bytesOf(writer), TYPE, conditionAfter(read))),
      );
      const winners = results.flatMap((result, i) => (result.ok ? [`w${i}`] : []));
      expect(winners).toHaveLength(1);
      expect(textOf((await store.get(key))?.bytes ?? new Uint8Array())).toBe(winners[0]);
    }
  });

  it('a reader sees a whole object, old or new, never part of one', async () => {
    const size = 4 * 1024 * 1024;
    const old = new Uint8Array(size).fill(1);
    const next = new Uint8Array(size).fill(2);
    await store.put('big/object', old, TYPE);
    let writing = true;
    const seen = new Set<string>();
    const reader = (async () => {
      while (writing) {
        const read = await store.get('big/object');
        const bytes = read?.bytes ?? new Uint8Array();
        const whole = bytes.length === size && (bytes.every((b) => b === 1) || bytes.every((b) => b === 2));
        seen.add(whole ? `whole ${bytes[0]}` : `partial (${bytes.length} bytes)`);
      }
    })();
    for (let i = 0; i < 6; i++) await store.put('big/object', i % 2 === 0 ? next : old, TYPE);
    writing = false;
    await reader;
    expect([...seen].filter((s) => s.startsWith('partial'))).toEqual([]);
  });

  it('lists exactly the stored keys under a prefix, sorted', async () => {
    for (const key of ['list/b/2', 'list/a', 'list/b/1', 'listing-other']) await store.put(key, bytesOf(key), TYPE);
    expect(await store.list('list/')).toEqual(['list/a', 'list/b/1', 'list/b/2']);
    await store.delete('list/a');
    expect(await store.list('list/')).toEqual(['list/b/1', 'list/b/2']);
    expect(await store.get('list/a')).toBeNull();
    // prefixes that end inside a segment, name a deeper folder, or nothing at all
    expect(await store.list('list')).toEqual(['list/b/1', 'list/b/2', 'listing-other']);
    expect(await store.list('list/b/')).toEqual(['list/b/1', 'list/b/2']);
    expect(await store.list('list/b/1')).toEqual(['list/b/1']);
    expect(await store.list('list/c/')).toEqual([]);
    expect(await store.list('nothing/here/')).toEqual([]);
  });
});

describe('dir store: bookkeeping files', () => {
  it('list() shows neither temp files nor locks, and a finished write leaves none behind', async () => {
    const root = path.join(tmp, 'bookkeeping');
    const store = await DirectoryStore.open(root);
    await store.put('v1/x/shard', bytesOf('data'), TYPE);
    await store.put('v1/x/shard', bytesOf('data 2'), TYPE, { ifNoneMatch: '*' });
    expect(await readdir(path.join(root, 'v1/x'))).toEqual(['shard']);
    // what a killed writer leaves: a temp file, a lock, a lock's own temp file
    await writeFile(path.join(root, 'v1/x/shard.~tmp-999999-1'), 'half');
    await writeFile(path.join(root, `v1/x/other${LOCK_MARK}`), '{}');
    await writeFile(path.join(root, `v1/x/other${LOCK_MARK}.~tmp-999999-2`), '{}');
    expect(await store.list('')).toEqual(['v1/x/shard']);
    await expect(store.put('v1/x/a.~tmp-1-1', bytesOf('x'), TYPE)).rejects.toThrow(/temp or lock/);
  });
});

describe('dir store: locks', () => {
  let root: string;
  let store: DirectoryStore;
  beforeAll(async () => {
    root = path.join(tmp, 'locks');
    store = await DirectoryStore.open(root);
    await mkdir(path.join(root, 'k'), { recursive: true });
  });

  const lockOf = (key: string) => path.join(root, ...key.split('/')) + LOCK_MARK;

  it('a put waits while another process holds the key lock', async () => {
    await writeFile(lockOf('k/held'), JSON.stringify({ pid: process.pid, host: hostname(), nonce: 'someone-else' }));
    let landed = false;
    const put = store.put('k/held', bytesOf('x'), TYPE).then(() => (landed = true));
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(landed).toBe(false);
    expect(await store.get('k/held')).toBeNull();
    await rm(lockOf('k/held'));
    await put;
    expect(landed).toBe(true);
    expect(await readdir(path.join(root, 'k'))).toEqual(['held']);
  });

  it('a lock whose owner process is dead on this host is recovered', async () => {
    const deadPid = await new Promise<number>((resolve, reject) => {
      const child = spawn(process.execPath, ['-e', '']);
      child.on('error', reject);
      child.on('exit', () => resolve(child.pid as number));
    });
    await writeFile(lockOf('k/dead'), JSON.stringify({ pid: deadPid, host: hostname(), nonce: 'dead' }));
    const staleAfterAnHour = await DirectoryStore.open(root, { staleMs: 3_600_000 });
    expect((await staleAfterAnHour.put('k/dead', bytesOf('x'), TYPE)).ok).toBe(true);
    await expect(stat(lockOf('k/dead'))).rejects.toThrow();
  });

  it('a lock older than the stale age is recovered whoever holds it (even unreadable)', async () => {
    await writeFile(lockOf('k/old'), 'not json');
    const anHourAgo = new Date(Date.now() - 3_600_000);
    await utimes(lockOf('k/old'), anHourAgo, anHourAgo);
    expect((await store.put('k/old', bytesOf('x'), TYPE)).ok).toBe(true);
  });

  it('a create (ifNoneMatch *) takes no lock: it is a hard link, which fails where the object exists', async () => {
    await writeFile(lockOf('k/create'), JSON.stringify({ pid: process.pid, host: hostname(), nonce: 'someone-else' }));
    expect((await store.put('k/create', bytesOf('first'), TYPE, { ifNoneMatch: '*' })).ok).toBe(true);
    expect(await store.put('k/create', bytesOf('second'), TYPE, { ifNoneMatch: '*' })).toEqual({
      ok: false,
      reason: 'precondition-failed',
    });
    expect(textOf((await store.get('k/create'))?.bytes ?? new Uint8Array())).toBe('first');
    // the held lock still guards the writes that check what is there
    let landed = false;
    const guarded = store.put('k/create', bytesOf('third'), TYPE).then(() => (landed = true));
    for (let i = 0; i < 10; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(landed).toBe(false);
    await rm(lockOf('k/create'));
    await guarded;
    expect(textOf((await store.get('k/create'))?.bytes ?? new Uint8Array())).toBe('third');
    expect((await readdir(path.join(root, 'k'))).filter((name) => name.startsWith('create'))).toEqual(['create']);
  });
});

describe('dir store: conditional writes across processes', () => {
  it('four processes incrementing one counter by read → conditional put lose no increment', async () => {
    const root = path.join(tmp, 'counter');
    const [processes, increments] = [4, 40];
    const runs = await Promise.all(
      Array.from({ length: processes }, () =>
        runNode(['--import', 'tsx', 'test/helpers/dir-store-counter.ts', root, 'counter', String(increments)]),
      ),
    );
    for (const run of runs) expect(run.code, run.stderr).toBe(0);
    const conflicts = runs.reduce((total, run) => total + Number(run.stdout.trim()), 0);
    const store = await DirectoryStore.open(root);
    const final = await store.get('counter');
    expect(textOf(final?.bytes ?? new Uint8Array())).toBe(String(processes * increments));
    expect(await readdir(root)).toEqual(['counter']);
    console.log(`cross-process counter: ${processes}×${increments} increments, ${conflicts} conflicts retried`);
  });
});

function runNode(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
