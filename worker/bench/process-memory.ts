/**
 * Resident memory of the workerd processes under a `wrangler dev` (Linux /proc; empty elsewhere),
 * found by PID among the processes below wrangler's. wrangler dev runs two: the one that runs the
 * Worker (and its local R2, so it holds files of the --persist-to folder open) and its dev proxy.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { descendantsOf } from './wrangler-dev';

export interface ProcessRss {
  pid: number;
  /** 'worker': the workerd running the Worker; 'proxy': wrangler's dev proxy. */
  role: 'worker' | 'proxy';
  rssBytes: number;
}

/** VmRSS of one process in bytes, or undefined when it is gone or /proc is unavailable. */
export function rssOf(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

/** Whether the process has a file under `dir` open. */
function holdsFileUnder(pid: number, dir: string): boolean {
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith(dir);
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

/** Every workerd process below `rootPid`, with its role and RSS. */
export function workerdRss(rootPid: number, persistTo: string): ProcessRss[] {
  const dir = `${path.resolve(persistTo)}${path.sep}`;
  return descendantsOf(rootPid)
    .filter((pid) => commandOf(pid) === 'workerd')
    .flatMap((pid) => {
      const rssBytes = rssOf(pid);
      return rssBytes === undefined ? [] : [{ pid, role: holdsFileUnder(pid, dir) ? ('worker' as const) : ('proxy' as const), rssBytes }];
    });
}
