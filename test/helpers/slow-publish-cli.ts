/**
 * The builder CLI with every store write delayed, for tests that kill a real builder process
 * while it publishes:
 *
 *   node --import tsx test/helpers/slow-publish-cli.ts DELAY_MS build --input ... --target ...
 *
 * It runs the real `main` on this process's streams; only the store is wrapped. Before the first
 * write it prints PUBLISHING_LINE to stderr, so a test knows publishing has begun.
 */
import { main } from '../../builder/src/cli';
import { processIo } from '../../builder/src/cli/cli-io';
import { openStore } from '../../builder/src/publish/open-store';
import { DelayedWritesStore, PUBLISHING_LINE } from './delayed-writes-store';

const [delay, ...argv] = process.argv.slice(2);
const delayMs = Number(delay);
if (!Number.isFinite(delayMs) || delayMs <= 0) throw new Error(`usage: slow-publish-cli.ts DELAY_MS ARGS... (got "${delay}")`);
const io = processIo();
process.exitCode = await main(argv, {
  ...io,
  openStore: async (target, options) =>
    new DelayedWritesStore(await openStore(target, options), delayMs, () => io.stderr.write(`${PUBLISHING_LINE} by ${delayMs} ms\n`)),
});
