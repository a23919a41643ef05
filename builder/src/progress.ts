/** Progress on stderr: a redrawn bar on a TTY, a line every few seconds otherwise. */
import type { TextOutput } from './cli/cli-io';

export interface Progress {
  update(state: { phase: string; done: number; total?: number; unit: string }): void;
  finish(): void;
}

/** `now` gives milliseconds: updates closer together than the pace (100 ms on a TTY, 5 s otherwise) are not drawn, except the last. */
export function createProgress(stream: TextOutput, quiet: boolean, now: () => number): Progress {
  if (quiet) return { update() {}, finish() {} };
  let lastDraw = 0;
  let drewBar = false;
  const interval = stream.isTTY ? 100 : 5000;
  return {
    update({ phase, done, total, unit }) {
      const time = now();
      if (time - lastDraw < interval && done !== total) return;
      lastDraw = time;
      const amount = total ? `${done}/${total} ${unit}` : `${done} ${unit}`;
      if (stream.isTTY) {
        const width = 30;
        const filled = total ? Math.round((done / total) * width) : 0;
        const bar = total ? `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ` : '';
        stream.write(`\r\x1b[2K${phase} ${bar}${amount}`);
        drewBar = true;
      } else {
        stream.write(`${phase}: ${amount}\n`);
      }
    },
    finish() {
      if (drewBar) stream.write('\r\x1b[2K');
    },
  };
}
