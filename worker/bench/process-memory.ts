/**
 * Resident memory of the workerd processes under a `wrangler dev` (Linux /proc; empty elsewhere),
 * found by PID among the processes below wrangler's.
 */
import { readFileSync } from 'node:fs';
import { descendantsOf } from './wrangler-dev';

export interface ProcessRss {
  pid: number;
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

/** Every workerd process below `rootPid`, with its RSS. */
export function workerdRss(rootPid: number): ProcessRss[] {
  return descendantsOf(rootPid)
    .filter((pid) => commandOf(pid) === 'workerd')
    .flatMap((pid) => {
      const rssBytes = rssOf(pid);
      return rssBytes === undefined ? [] : [{ pid, rssBytes }];
    });
}
