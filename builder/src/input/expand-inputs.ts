/** Turns the --input arguments (files, directories, globs, "-") into a list of input sources. */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

/** Standard input as chunks of bytes (or text). */
export type InputStream = AsyncIterable<Uint8Array | string>;

export type InputSource = { kind: 'stdin'; stream: InputStream } | { kind: 'file'; path: string };

export class InputError extends Error {
  override name = 'InputError';
}

const GLOB_CHARS = /[*?[]/;

/** `stdin` is what "-" reads: reading it fails when there is none. */
export async function expandInputs(patterns: readonly string[], stdin: InputStream = noStdin()): Promise<InputSource[]> {
  const sources: InputSource[] = [];
  const seen = new Set<string>();
  const add = (file: string): void => {
    const resolved = path.resolve(file);
    if (!seen.has(resolved)) {
      seen.add(resolved);
      sources.push({ kind: 'file', path: resolved });
    }
  };
  for (const pattern of patterns) {
    if (pattern === '-') {
      sources.push({ kind: 'stdin', stream: stdin });
      continue;
    }
    if (GLOB_CHARS.test(pattern)) {
      const matches = await globFiles(pattern);
      if (matches.length === 0) throw new InputError(`no file matches ${pattern}`);
      matches.forEach(add);
      continue;
    }
    const info = await stat(pattern).catch(() => undefined);
    if (!info) throw new InputError(`input not found: ${pattern}`);
    if (info.isDirectory()) {
      const files = await walk(pattern);
      if (files.length === 0) throw new InputError(`directory has no files: ${pattern}`);
      files.forEach(add);
    } else {
      add(pattern);
    }
  }
  return sources;
}

async function* noStdin(): AsyncGenerator<Uint8Array> {
  yield* [];
  throw new Error('no standard input was given');
}

/** Every regular file under dir (recursively, hidden entries skipped), sorted. */
async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await walk(full)));
    else if (entry.isFile()) files.push(full);
  }
  return files.sort();
}

/** Minimal glob: `*` and `?` within a path segment, `**` across segments, `[...]` classes. */
export async function globFiles(pattern: string): Promise<string[]> {
  const normalized = pattern.split(path.sep).join('/');
  const segments = normalized.split('/');
  const firstGlob = segments.findIndex((segment) => GLOB_CHARS.test(segment));
  const base = segments.slice(0, firstGlob).join('/') || (normalized.startsWith('/') ? '/' : '.');
  const matcher = globToRegExp(segments.slice(firstGlob).join('/'));
  const info = await stat(base).catch(() => undefined);
  if (!info?.isDirectory()) return [];
  const files = await walk(base);
  return files.filter((file) => matcher.test(path.relative(base, file).split(path.sep).join('/')));
}

export function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i] as string;
    if (char === '*') {
      if (glob[i + 1] === '*') {
        const slash = glob[i + 2] === '/';
        source += slash ? '(?:.*/)?' : '.*';
        i += slash ? 2 : 1;
      } else {
        source += '[^/]*';
      }
    } else if (char === '?') {
      source += '[^/]';
    } else if (char === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end < 0) source += '\\[';
      else {
        source += `[${glob
          .slice(i + 1, end)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else {
      source += char.replace(/[.+^${}()|\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}$`);
}
