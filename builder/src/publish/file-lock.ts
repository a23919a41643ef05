/**
 * A per-file lock that works across processes on one machine's file system: the lock is a file
 * next to the locked one, made to appear atomically (written to a temp name, then hard-linked
 * into place, which fails if the lock exists), so it is never seen half-written.
 *
 * A lock whose owner is gone is recovered: on this host, when its pid is no longer alive; on any
 * host, when it is older than `staleMs`. Recovery renames the stale lock away first (only one
 * contender can rename a given file), so two processes never both break the same lock.
 */
import { randomBytes } from 'node:crypto';
import { link, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';

/** Files of in-progress writes and locks carry these marks; a store lists neither. */
export const TEMP_MARK = '.~tmp-';
export const LOCK_MARK = '.~lock';
/** Matches the file names a store must never list as objects. */
export const BOOKKEEPING_FILE = /\.~(tmp-|lock)/;

export interface LockOptions {
  /** A lock older than this is taken as abandoned, whoever holds it. */
  staleMs?: number;
  /** Longest pause between two attempts to take a busy lock. */
  maxPollMs?: number;
}

interface LockOwner {
  pid: number;
  host: string;
  nonce: string;
}

export interface HeldLock {
  release(): Promise<void>;
}

let tempCounter = 0;

/** A unique temp name beside `file`, of the form list() ignores. */
export function tempNameBeside(file: string): string {
  return `${file}${TEMP_MARK}${process.pid}-${++tempCounter}`;
}

export async function acquireFileLock(file: string, options: LockOptions = {}): Promise<HeldLock> {
  const lockFile = `${file}${LOCK_MARK}`;
  const staleMs = options.staleMs ?? 30_000;
  const maxPollMs = options.maxPollMs ?? 50;
  const owner: LockOwner = { pid: process.pid, host: hostname(), nonce: randomBytes(8).toString('hex') };
  const ownerText = JSON.stringify(owner);
  let pause = 1;
  for (;;) {
    if (await tryCreate(lockFile, ownerText)) return { release: () => releaseIfOurs(lockFile, owner.nonce) };
    const holder = await readHolder(lockFile);
    if (holder && (await isStale(holder, staleMs))) {
      await breakLock(lockFile, holder.text);
      continue;
    }
    await new Promise((resolve) => setTimeout(resolve, pause));
    pause = Math.min(maxPollMs, pause * 2);
  }
}

async function tryCreate(lockFile: string, ownerText: string): Promise<boolean> {
  const temp = tempNameBeside(lockFile);
  await writeFile(temp, ownerText);
  try {
    await link(temp, lockFile);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

interface Holder {
  text: string;
  owner: LockOwner | undefined;
  ageMs: number;
}

/** The lock's content and age, or undefined if it vanished meanwhile. */
async function readHolder(lockFile: string): Promise<Holder | undefined> {
  try {
    const [text, info] = await Promise.all([readFile(lockFile, 'utf8'), stat(lockFile)]);
    return { text, owner: parseOwner(text), ageMs: Date.now() - info.mtimeMs };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockOwner>;
    if (typeof value.pid === 'number' && typeof value.host === 'string' && typeof value.nonce === 'string') {
      return { pid: value.pid, host: value.host, nonce: value.nonce };
    }
  } catch {
    // not ours to interpret: judged by age alone
  }
  return undefined;
}

async function isStale(holder: Holder, staleMs: number): Promise<boolean> {
  if (holder.ageMs > staleMs) return true;
  return holder.owner !== undefined && holder.owner.host === hostname() && !isAlive(holder.owner.pid);
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Moves the stale lock aside and deletes it. If what was moved is not the lock judged stale
 * (another contender broke it and a live owner took the lock in between), it is put back.
 */
async function breakLock(lockFile: string, staleText: string): Promise<void> {
  const aside = tempNameBeside(lockFile);
  try {
    await rename(lockFile, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const moved = await readFile(aside, 'utf8').catch(() => undefined);
  if (moved !== undefined && moved !== staleText) await link(aside, lockFile).catch(() => undefined);
  await unlink(aside).catch(() => undefined);
}

async function releaseIfOurs(lockFile: string, nonce: string): Promise<void> {
  const text = await readFile(lockFile, 'utf8').catch(() => undefined);
  if (text === undefined || parseOwner(text)?.nonce !== nonce) return;
  await unlink(lockFile).catch(() => undefined);
}
