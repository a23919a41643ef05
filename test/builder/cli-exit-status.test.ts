/**
 * The command line's exit statuses, one mapping for build, merge and trim (cli/exit-status.ts),
 * and its injected I/O: every case runs `main` in-process on plain objects (run-cli.ts), with the
 * target a MemoryStore handed in through `openStore` where a failure has to be staged.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT, exitStatusFor, reportFailure, TargetUnavailable, UsageError } from '../../builder/src/cli/exit-status';
import { NothingAccepted } from '../../builder/src/cli/nothing-accepted';
import { InputError } from '../../builder/src/input/expand-inputs';
import type { ObjectStore, PutCondition, PutResult } from '../../builder/src/publish/object-store';
import { StoreError } from '../../builder/src/publish/object-store';
import type { OpenStoreOptions } from '../../builder/src/publish/open-store';
import { TargetError } from '../../builder/src/publish/open-store';
import { PublishedObjectError } from '../../builder/src/publish/published-index';
import { WorkerFailure } from '../../builder/src/threads/parallel-aggregate';
import { TrimConflictError } from '../../builder/src/trim/apply-trim';
import { MemoryStore } from '../helpers/memory-store';
import { histogram, makePing } from '../helpers/pings';
import type { CliRunOptions } from '../helpers/run-cli';
import { runCli } from '../helpers/run-cli';

const STACK_LINE = /\n\s+at .+:\d+/;
const [D1, D2] = ['20170130', '20170131'];
const pingOn = (submissionDate: string, sampleId: number) =>
  makePing({ histograms: { GC_MS: histogram({ '1': sampleId + 1 }, sampleId + 1) } }, { meta: { submissionDate, sampleId } });
const PINGS = `${[pingOn(D1, 1), pingOn(D1, 2), pingOn(D2, 3)].map((ping) => JSON.stringify(ping)).join('\n')}\n`;

let tmp: string;
let input: string;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'cli-exit-status-'));
  input = path.join(tmp, 'pings.ndjson');
  await writeFile(input, PINGS);
});
afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/** Every --target opens this store. */
const into = (store: ObjectStore): Pick<CliRunOptions, 'openStore'> => ({ openStore: async () => store });

/** A store that throws a plain Error (nothing the CLI expects) on every write. */
class BrokenStore extends MemoryStore {
  override async put(): Promise<PutResult> {
    throw new Error('the disk is on fire');
  }
}

/** A store that cannot be listed (as an S3 store reports an access failure). */
class UnlistableStore extends MemoryStore {
  override async list(): Promise<string[]> {
    throw new StoreError('cannot list memory: access denied');
  }
}

/** A store where every conditional overwrite finds the object changed (as if a build wrote it meanwhile). */
class ContestedStore extends MemoryStore {
  override async put(key: string, bytes: Uint8Array, contentType: string, condition?: PutCondition): Promise<PutResult> {
    if (condition && 'ifMatch' in condition) return { ok: false, reason: 'precondition-failed' };
    return super.put(key, bytes, contentType, condition);
  }
}

async function published(store: MemoryStore = new MemoryStore()): Promise<MemoryStore> {
  const { code, stderr } = await runCli(['build', '--input', input, '--target', 'dir:ignored', '--quiet'], into(store));
  expect(code, stderr).toBe(0);
  return store;
}

function copy<T extends MemoryStore>(from: MemoryStore, to: T): T {
  for (const [key, bytes] of from.objects) to.objects.set(key, bytes);
  return to;
}

async function partialFile(name: string): Promise<string> {
  const file = path.join(tmp, name);
  const { code, stderr } = await runCli(['build', '--input', input, '--partial', file, '--quiet']);
  expect(code, stderr).toBe(0);
  return file;
}

const TRIM_D1 = ['--base-date', D2, '--keep-days', '0'];

describe('the exit-status mapping', () => {
  it.each([
    ['UsageError', new UsageError('x'), EXIT.usage],
    ['TargetError', new TargetError('x'), EXIT.usage],
    ['InputError', new InputError('x'), EXIT.unreadable],
    ['TargetUnavailable', new TargetUnavailable('x'), EXIT.unreadable],
    ['StoreError', new StoreError('x'), EXIT.unreadable],
    ['ENOENT', Object.assign(new Error('x'), { code: 'ENOENT' }), EXIT.unreadable],
    ['EACCES', Object.assign(new Error('x'), { code: 'EACCES' }), EXIT.unreadable],
    ['WorkerFailure', new WorkerFailure('x'), EXIT.failed],
    ['PublishedObjectError', new PublishedObjectError('x'), EXIT.failed],
    ['TrimConflictError', new TrimConflictError('k', 0), EXIT.incomplete],
    ['NothingAccepted', new NothingAccepted('x'), EXIT.nothingAccepted],
    ['a plain Error', new Error('x'), undefined],
    ['an unknown errno', Object.assign(new Error('x'), { code: 'EPIPE' }), undefined],
    ['a string', 'x', undefined],
  ])('%s', (_, error, status) => {
    expect(exitStatusFor(error)).toBe(status);
  });

  it('writes one line, a line with the usage pointer, or the stack of the unforeseen', () => {
    let stderr = '';
    const sink = { write: (text: string) => (stderr += text) };
    expect(reportFailure(new InputError('input not found: x'), 'builder', sink)).toBe(3);
    expect(stderr).toBe('builder: input not found: x\n');
    stderr = '';
    expect(reportFailure(new UsageError('--target is required'), 'builder trim', sink)).toBe(2);
    expect(stderr).toBe('builder trim: --target is required\nRun "builder trim --help" for usage.\n');
    stderr = '';
    expect(reportFailure(new Error('boom'), 'builder trim', sink)).toBe(1);
    expect(stderr).toMatch(/^builder: Error: boom\n\s+at /);
  });
});

describe('build', () => {
  it('0: published', async () => {
    const store = new MemoryStore();
    const result = await runCli(['build', '--input', input, '--target', 'dir:ignored', '--quiet'], into(store));
    expect(result).toMatchObject({ code: 0, stdout: '' });
    expect(result.stderr).toMatch(/^build report \(memory\)\n {2}inputs: {10}1 /);
    expect(store.objects.size).toBeGreaterThan(5);
  });

  it('1: an unforeseen error, with its stack', async () => {
    const result = await runCli(['build', '--input', input, '--target', 'dir:ignored', '--quiet'], into(new BrokenStore()));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^builder: Error: the disk is on fire/);
    expect(result.stderr).toMatch(STACK_LINE);
  });

  it('2: unusable arguments, an unusable target', async () => {
    for (const [args, message] of [
      [['build', '--target', 'dir:x'], '--input is required'],
      [['build', '--input', input, '--target', 'ftp:x'], 'unknown target "ftp:x" (use local, dir:PATH or r2://BUCKET[/PREFIX])'],
    ] as const) {
      const result = await runCli([...args]);
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(`builder: ${message}\nRun "builder --help" for usage.\n`);
    }
  });

  it('3: an unreadable input, a store that fails, a target that cannot be opened', async () => {
    const missing = await runCli(
      ['build', '--input', path.join(tmp, 'missing.ndjson'), '--target', 'dir:ignored'],
      into(new MemoryStore()),
    );
    expect(missing).toMatchObject({ code: 3, stderr: `builder: input not found: ${path.join(tmp, 'missing.ndjson')}\n` });
    const denied = await runCli(['build', '--input', input, '--target', 'dir:ignored', '--quiet'], into(new UnlistableStore()));
    expect(denied).toMatchObject({ code: 3, stderr: 'builder: cannot list memory: access denied\n' });
    const unopened = await runCli(['build', '--input', input, '--target', 'local'], {
      openStore: async () => {
        throw new Error('cannot open local R2 in /nowhere: workerd did not start');
      },
    });
    expect(unopened).toMatchObject({ code: 3, stderr: 'builder: cannot open local R2 in /nowhere: workerd did not start\n' });
  });

  it('4: --force left build_id shards as they were', async () => {
    const store = await published();
    const result = await runCli(['build', '--input', input, '--target', 'dir:ignored', '--force', '--quiet'], into(store));
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(/refused: {9}\d+ build_id shards already held some of these dates/);
  });
});

describe('5: pings read, none accepted (nothing built)', () => {
  // no line of a pretty-printed ping without histograms is JSON on its own
  const PRETTY = `${JSON.stringify(makePing(), null, 2)}\n`;
  let unusable: string;
  beforeAll(async () => {
    // two pretty-printed pings in one file: neither NDJSON nor one JSON document
    unusable = path.join(tmp, 'concatenated.json');
    await writeFile(unusable, PRETTY + PRETTY);
  });

  it('build: the report, then what was read, the main reasons and a hint; nothing published', async () => {
    const store = new MemoryStore();
    const result = await runCli(['build', '--input', unusable, '--target', 'dir:ignored', '--quiet'], into(store));
    expect(result.code).toBe(EXIT.nothingAccepted);
    const lines = PRETTY.split('\n').length * 2 - 2;
    expect(result.stderr).toMatch(/^build report \(memory\)\n/);
    expect(result.stderr).toContain(
      `\nbuilder: no ping was accepted: ${lines} read from 1 input (${Buffer.byteLength(PRETTY + PRETTY)} B), skipped as ${lines} invalid-json (line is not valid JSON). Nothing was published.\nHint: Input is read as NDJSON`,
    );
    expect(result.stderr).not.toMatch(STACK_LINE);
    expect(store.objects.size).toBe(0);
  });

  it('names the main three reasons and counts the rest; the hint follows the main one', async () => {
    const pings = [
      ...[1, 2, 3].map((n) => pingOn('20170101', n)),
      ...[4, 5].map((n) => ({ ...pingOn(D1, n), application: 'x' })),
      pingOn(D1, 200),
      { ...pingOn(D1, 6), payload: 'x' },
    ];
    const file = path.join(tmp, 'other-dates.ndjson');
    await writeFile(file, `${pings.map((ping) => JSON.stringify(ping)).join('\n')}\n`);
    const result = await runCli(['build', '--input', file, '--date', D1, '--target', 'dir:ignored', '--quiet'], into(new MemoryStore()));
    expect(result.code).toBe(5);
    expect(result.stderr).toMatch(
      /skipped as 3 other-submission-date \(.*\), 2 unsupported-channel \(.*\), 1 bad-sample-id \(.*\) and 1 for other reasons\. Nothing was published\.\nHint: --date keeps only pings with that meta\.submissionDate\.\n$/,
    );
  });

  it('build --partial: the partial is written, and says it holds nothing; merging it builds nothing either', async () => {
    const partial = path.join(tmp, 'nothing.partial');
    const built = await runCli(['build', '--input', unusable, '--partial', partial, '--quiet']);
    expect(built.code).toBe(5);
    expect(built.stderr).toContain(`. The partial aggregate ${partial} holds nothing.\nHint:`);
    const merged = await runCli(['merge', '--input', partial, '--target', 'dir:ignored', '--quiet'], into(new MemoryStore()));
    expect(merged.code).toBe(5);
    expect(merged.stderr).toContain('. Nothing was published.\nHint: Input is read as NDJSON');
  });

  it('input that holds no ping at all is no error: exit 0', async () => {
    const empty = path.join(tmp, 'empty.ndjson');
    await writeFile(empty, '\n\n');
    const result = await runCli(['build', '--input', empty, '--target', 'dir:ignored', '--quiet'], into(new MemoryStore()));
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/pings read: {6}0\n/);
  });
});

describe('merge', () => {
  it('0: the partials published, as a build of the same input', async () => {
    const partial = await partialFile('merge-0.partial');
    const merged = new MemoryStore();
    expect((await runCli(['merge', '--input', partial, '--target', 'dir:ignored', '--quiet'], into(merged))).code).toBe(0);
    expect(merged.objects).toEqual((await published()).objects);
  });

  it('1: an unforeseen error, with its stack', async () => {
    const partial = await partialFile('merge-1.partial');
    const result = await runCli(['merge', '--input', partial, '--target', 'dir:ignored', '--quiet'], into(new BrokenStore()));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^builder: Error: the disk is on fire/);
    expect(result.stderr).toMatch(STACK_LINE);
  });

  it('2: unusable arguments', async () => {
    const result = await runCli(['merge', '--input', input]);
    expect(result).toMatchObject({ code: 2, stderr: 'builder: --target is required\nRun "builder --help" for usage.\n' });
  });

  it('3: a file that is no partial aggregate, stdin, a store that fails', async () => {
    const notPartial = await runCli(['merge', '--input', input, '--target', 'dir:ignored', '--quiet'], into(new MemoryStore()));
    expect(notPartial.code).toBe(3);
    expect(notPartial.stderr).toMatch(new RegExp(`^builder: ${input}: `));
    expect(notPartial.stderr).not.toMatch(STACK_LINE);
    const stdin = await runCli(['merge', '--input', '-', '--target', 'dir:ignored'], into(new MemoryStore()));
    expect(stdin).toMatchObject({ code: 3, stderr: 'builder: merge reads partial aggregate files, not stdin\n' });
    const partial = await partialFile('merge-3.partial');
    const denied = await runCli(['merge', '--input', partial, '--target', 'dir:ignored', '--quiet'], into(new UnlistableStore()));
    expect(denied).toMatchObject({ code: 3, stderr: 'builder: cannot list memory: access denied\n' });
  });

  it('4: --force left build_id shards as they were', async () => {
    const partial = await partialFile('merge-4.partial');
    const result = await runCli(['merge', '--input', partial, '--target', 'dir:ignored', '--force', '--quiet'], into(await published()));
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(/refused: {9}\d+ build_id shards already held some of these dates/);
  });
});

describe('trim', () => {
  it('0: trimmed, the report on stdout (nothing with --quiet)', async () => {
    const store = await published();
    const result = await runCli(['trim', '--target', 'dir:ignored', ...TRIM_D1, '--apply'], into(store));
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^trim memory: applied\nbase 20170131, keep 0 days, buffer 7 days/);
    const quiet = await runCli(['trim', '--target', 'dir:ignored', ...TRIM_D1, '--quiet'], into(store));
    expect(quiet).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('1: a published object that is unusable', async () => {
    const store = await published();
    store.objects.set('v1/submission_date/nightly/54/201701/GC_MS', new TextEncoder().encode('not msgpack'));
    const result = await runCli(['trim', '--target', 'dir:ignored', ...TRIM_D1, '--apply'], into(store));
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr).toMatch(/^builder trim: v1\/submission_date\/nightly\/54\/201701\/GC_MS: not a readable shard/);
    expect(result.stderr).not.toMatch(STACK_LINE);
  });

  it('2: unusable arguments', async () => {
    const result = await runCli(['trim', '--target', 'dir:ignored', '--keep-days', 'many']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^builder trim: --keep-days must be a whole number.*\nRun "builder trim --help" for usage\.\n$/);
  });

  it('3: a store that fails', async () => {
    const result = await runCli(['trim', '--target', 'dir:ignored', ...TRIM_D1], into(new UnlistableStore()));
    expect(result).toMatchObject({ code: 3, stdout: '', stderr: 'builder trim: cannot list memory: access denied\n' });
  });

  it('4: an object changed while trimming', async () => {
    const store = copy(await published(), new ContestedStore());
    const result = await runCli(['trim', '--target', 'dir:ignored', ...TRIM_D1, '--apply'], into(store));
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(/^builder trim: v1\/.+ changed while trimming \(a concurrent build\?\); stopped after \d+ action\(s\)/);
  });
});

describe('injected I/O', () => {
  it('the store opener gets the injected environment, and the real one reads r2:// credentials from it', async () => {
    const seen: OpenStoreOptions[] = [];
    const env = { R2_ACCESS_KEY_ID: 'id', R2_SECRET_ACCESS_KEY: 'secret', R2_ACCOUNT_ID: 'account' };
    const store = new MemoryStore();
    const result = await runCli(['build', '--input', input, '--target', 'r2://bucket/prefix', '--quiet'], {
      env,
      openStore: async (_target, options) => {
        seen.push(options);
        return store;
      },
    });
    expect(result.code).toBe(0);
    expect(seen).toEqual([{ persistDir: undefined, bucketName: undefined, endpoint: undefined, env }]);
    const missing = await runCli(['build', '--input', input, '--target', 'r2://bucket'], {
      env: { R2_ACCESS_KEY_ID: 'id', R2_ACCOUNT_ID: 'a' },
    });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/R2_SECRET_ACCESS_KEY/);
  });

  it('stdin is what --input - reads', async () => {
    const reportFile = path.join(tmp, 'stdin-report.json');
    const store = new MemoryStore();
    const result = await runCli(['build', '--input', '-', '--target', 'dir:ignored', '--quiet', '--report', reportFile], {
      ...into(store),
      stdin: `${PINGS}not json\n`,
    });
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(await readFile(reportFile, 'utf8')) as { pings: unknown; inputBytes: number };
    expect(report.pings).toEqual({ read: 4, accepted: 3, skipped: { 'invalid-json': 1 } });
    expect(report.inputBytes).toBe(Buffer.byteLength(`${PINGS}not json\n`));
    expect(store.objects).toEqual((await published()).objects);
  });

  it('progress: a redrawn bar when stderr is a terminal, lines otherwise', async () => {
    const tty = await runCli(['build', '--input', input, '--target', 'dir:ignored'], { ...into(new MemoryStore()), stderrIsTTY: true });
    expect(tty.code).toBe(0);
    const clearLine = '\r\x1b[2K';
    expect(tty.stderr.startsWith(`${clearLine}aggregating 3 pings${clearLine}`)).toBe(true);
    expect(tty.stderr).toMatch(new RegExp(`${clearLine.replace('[', '\\[')}publishing \\[#{30}\\] (\\d+)/\\1 shards`));
    expect(tty.stderr).toContain(` shards${clearLine}build report`);
    const lines = await runCli(['build', '--input', input, '--target', 'dir:ignored'], { ...into(new MemoryStore()), stderrIsTTY: false });
    expect(lines.code).toBe(0);
    expect(lines.stderr).toMatch(/^aggregating: 3 pings\npublishing: (\d+)\/\1 shards\nbuild report/);
    expect(lines.stderr).not.toContain('\x1b');
  });

  it("the clock gives trim's default base date", async () => {
    const store = await published();
    const result = await runCli(['trim', '--target', 'dir:ignored', '--keep-days', '1'], {
      ...into(store),
      now: () => new Date('2017-02-01T23:59:00Z'),
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('base 20170201, keep 1 days');
    expect(result.stdout).toContain('submission_date/nightly: keeping 20170131..20170207');
  });
});
