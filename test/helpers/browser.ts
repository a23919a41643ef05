/**
 * The Chromium that browser tests drive, found without anything but Node and `npm ci`:
 *
 * - `CHROMIUM_PATH` set: that executable (a system browser, e.g. Debian's /usr/bin/chromium), and
 *   only then is a system browser used.
 * - otherwise: the Chromium shipped inside the @sparticuz/chromium npm package (a devDependency,
 *   pinned with playwright-core). Its brotli archives are unpacked once per package version into
 *   $TMPDIR/telemetry-aggregates-chromium-{version}/ (about 200 MB, ~2 s), with the fonts the
 *   package ships and a fonts.conf of their own, so pages render text on a machine without fonts.
 *   Nothing is downloaded.
 *
 * A browser that cannot start is an error (the caller's test fails); never a skip.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import { chromium } from 'playwright-core';

const PACKAGE = '@sparticuz/chromium';
/** Flags for a system browser in a container (root, no GPU, nothing phoning home). */
const SYSTEM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'];
/**
 * The package's recommended flags minus three: `--single-process` (closing a browser context then
 * kills the whole browser; it is there for AWS Lambda's sandbox), and `--disable-web-security` and
 * `--allow-running-insecure-content` (tests must see the page under the browser's real security rules).
 */
const DROPPED_PACKAGE_ARGS = new Set(['--single-process', '--disable-web-security', '--allow-running-insecure-content']);

export interface ChromiumChoice {
  executablePath: string;
  args: string[];
  /** Extra environment for the browser process. */
  env: Record<string, string>;
  /** Where the browser came from, for messages: `CHROMIUM_PATH=/usr/bin/chromium` or `@sparticuz/chromium 143.0.4`. */
  source: string;
}

export interface LaunchOptions {
  /** Environment for the browser process on top of the choice's (e.g. LANG, which sets navigator.language). */
  env?: Record<string, string>;
  timeoutMs?: number;
}

const requireHere = createRequire(import.meta.url);

/** The package's folder (its exports map hides package.json from resolution). */
async function packageDir(): Promise<string> {
  let dir = dirname(requireHere.resolve(PACKAGE));
  while (
    !(await exists(join(dir, 'package.json'))) ||
    !(await readFile(join(dir, 'package.json'), 'utf8')).includes(`"name": "${PACKAGE}"`)
  ) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find the folder of ${PACKAGE}`);
    dir = parent;
  }
  return dir;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

function fontsConf(dir: string): string {
  return [
    '<?xml version="1.0"?>',
    '<!DOCTYPE fontconfig SYSTEM "fonts.dtd">',
    '<fontconfig>',
    `  <dir>${join(dir, 'fonts', 'fonts')}</dir>`,
    `  <cachedir>${join(dir, 'fonts-cache')}</cachedir>`,
    '</fontconfig>',
    '',
  ].join('\n');
}

/**
 * Unpacks the package's Chromium into `dir` unless it is there. The package unpacks into
 * os.tmpdir(), so a child Node process does it with TMPDIR set to a fresh staging folder, which is
 * then renamed into place: concurrent test runs never see a half-written browser (the loser of
 * the rename race uses the winner's copy).
 */
async function unpackPackageChromium(dir: string, from: string): Promise<void> {
  if (await exists(join(dir, 'chromium'))) return;
  const staging = await mkdtemp(`${dir}.partial-`);
  try {
    const script = `import(${JSON.stringify(PACKAGE)}).then(async (m) => process.stdout.write(await m.default.executablePath()))`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
      cwd: from,
      env: { ...process.env, TMPDIR: staging },
    });
    if (stdout !== join(staging, 'chromium')) throw new Error(`${PACKAGE} unpacked to ${stdout}, not into ${staging}`);
    await writeFile(join(staging, 'fonts.conf'), fontsConf(dir));
    await rename(staging, dir).catch(async (error: NodeJS.ErrnoException) => {
      if (!(await exists(join(dir, 'chromium')))) throw error;
    });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

async function packageChromium(): Promise<ChromiumChoice> {
  const from = await packageDir();
  const manifest = JSON.parse(await readFile(join(from, 'package.json'), 'utf8')) as { version: string };
  const dir = join(tmpdir(), `telemetry-aggregates-chromium-${manifest.version}`);
  await unpackPackageChromium(dir, from);
  const { default: packaged } = await import('@sparticuz/chromium');
  return {
    executablePath: join(dir, 'chromium'),
    args: packaged.args.filter((arg) => !DROPPED_PACKAGE_ARGS.has(arg)),
    env: { FONTCONFIG_FILE: join(dir, 'fonts.conf') },
    source: `${PACKAGE} ${manifest.version}`,
  };
}

/** The browser to drive: CHROMIUM_PATH when set, else the npm package's. */
export async function chooseChromium(env: NodeJS.ProcessEnv = process.env): Promise<ChromiumChoice> {
  const systemPath = env.CHROMIUM_PATH?.trim();
  if (systemPath) return { executablePath: systemPath, args: SYSTEM_ARGS, env: {}, source: `CHROMIUM_PATH=${systemPath}` };
  return packageChromium();
}

/** Launches the chosen Chromium headless; a failure names the browser it tried. */
export async function launchChromium(options: LaunchOptions = {}): Promise<{ browser: Browser; source: string }> {
  let source = `${PACKAGE} (not unpacked)`;
  try {
    const choice = await chooseChromium();
    source = choice.source;
    const browser = await chromium.launch({
      executablePath: choice.executablePath,
      headless: true,
      args: choice.args,
      env: { ...process.env, ...choice.env, ...options.env },
      timeout: options.timeoutMs ?? 30_000,
    });
    return { browser, source };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const hint = source.startsWith('CHROMIUM_PATH=') ? `unset CHROMIUM_PATH to use ${PACKAGE}` : 'set CHROMIUM_PATH to use another browser';
    throw new Error(`cannot launch Chromium from ${source} (${hint}): ${reason}`);
  }
}
