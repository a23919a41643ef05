/**
 * Inputs that hold one JSON document (input/json-document.ts): how the layout is decided from
 * the first bytes, and what openSource gives for files and stdin, plain and gzip: a document's
 * pings, or the source to read by lines (stdin replayed from its first byte).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InputSource } from '../../builder/src/input/expand-inputs';
import { InputError } from '../../builder/src/input/expand-inputs';
import type { OpenedSource } from '../../builder/src/input/json-document';
import { fileLayout, layoutOfHead, openSource } from '../../builder/src/input/json-document';
import { forEachLineOf, readLineBatches } from '../../builder/src/input/read-lines';
import { makePing } from '../helpers/pings';

const A = makePing({}, { meta: { sampleId: 1 } });
const B = makePing({}, { meta: { sampleId: 2 } });
const NDJSON = `${JSON.stringify(A)}\n${JSON.stringify(B)}\n`;
const PRETTY = `${JSON.stringify(A, null, 2)}\n`;
const ARRAY = JSON.stringify([A, B], null, 1);

describe('the layout, from the first bytes', () => {
  it.each([
    ['NDJSON', NDJSON, 'lines'],
    ['NDJSON after blank lines', `\n\n  ${NDJSON}`, 'lines'],
    ['one ping on one line', JSON.stringify(A), 'lines'],
    ['a pretty-printed ping', PRETTY, 'document'],
    ['a pretty-printed ping after whitespace', `\r\n\t ${PRETTY}`, 'document'],
    ['a ping whose first line ends after some fields', '{"a": 1,\n"b": 2}', 'document'],
    ['brackets and newline escapes in strings do not count', '{"a": "}\\n]\\"", "b": [1,\n2]}', 'document'],
    ['a closed value then more on its line', '{"a": "{"} {\n', 'lines'],
    ['a JSON array', ARRAY, 'document'],
    ['a JSON array on one line', JSON.stringify([A, B]), 'document'],
    ['garbage', 'not json\n{}', 'lines'],
    ['a BOM before a ping (JSON.parse rejects it)', `\ufeff${PRETTY}`, 'lines'],
    ['nothing', '', 'lines'],
  ] as const)('%s', (_, head, layout) => {
    expect(layoutOfHead(head)).toBe(layout);
  });
});

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'json-document-'));
});
afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

let fileSeq = 0;
async function file(content: string | Uint8Array): Promise<{ kind: 'file'; path: string }> {
  const name = path.join(tmp, `input-${++fileSeq}`);
  await writeFile(name, content);
  return { kind: 'file', path: name };
}

/** stdin delivering `content` in chunks of `chunk` bytes. */
function stdin(content: string | Uint8Array, chunk = 7): InputSource {
  const bytes = typeof content === 'string' ? Buffer.from(content) : Buffer.from(content);
  return {
    kind: 'stdin',
    stream: (async function* () {
      for (let i = 0; i < bytes.length; i += chunk) yield bytes.subarray(i, i + chunk);
    })(),
  };
}

/** What an opened source holds: a document's pings, or the lines it reads. */
async function contentOf(opened: OpenedSource): Promise<{ kind: string; items: unknown[] }> {
  if (opened.kind === 'document') return { kind: 'document', items: opened.pings };
  const lines: string[] = [];
  for await (const batch of readLineBatches(opened.source)) forEachLineOf(batch, (line) => lines.push(line));
  return { kind: 'lines', items: lines };
}

const SOURCES: [name: string, make: (content: string | Uint8Array) => Promise<InputSource> | InputSource][] = [
  ['a file', file],
  ['stdin', (content) => stdin(content)],
  ['stdin in one chunk', (content) => stdin(content, 1 << 30)],
];

describe.each(SOURCES)('openSource on %s', (_, make) => {
  for (const [compression, encode] of [
    ['plain', (text: string) => text],
    ['gzip', (text: string) => gzipSync(text)],
  ] as const) {
    it(`${compression}: a pretty-printed ping is one ping, its bytes counted`, async () => {
      const progress = { bytesRead: 0 };
      const encoded = encode(PRETTY);
      expect(await contentOf(await openSource(await make(encoded), progress))).toEqual({ kind: 'document', items: [A] });
      expect(progress.bytesRead).toBe(Buffer.byteLength(encoded));
    });

    it(`${compression}: a JSON array is its elements, whatever they are`, async () => {
      const items = [A, 42, B];
      expect(await contentOf(await openSource(await make(encode(JSON.stringify(items, null, 2)))))).toEqual({ kind: 'document', items });
    });

    it(`${compression}: NDJSON is read by lines, from its first byte`, async () => {
      expect(await contentOf(await openSource(await make(encode(NDJSON))))).toEqual({
        kind: 'lines',
        items: [JSON.stringify(A), JSON.stringify(B)],
      });
    });

    it(`${compression}: a document that does not parse is read by lines after all (each one counts as a bad line)`, async () => {
      const broken = `${PRETTY.slice(0, -3)}\n`;
      const opened = await contentOf(await openSource(await make(encode(broken))));
      expect(opened).toEqual({ kind: 'lines', items: broken.split('\n').slice(0, -1) });
    });
  }

  it('a document larger than the limit is an input error that says what to do', async () => {
    const source = await make(ARRAY);
    await expect(openSource(source, undefined, 100)).rejects.toThrow(InputError);
    await expect(openSource(await make(ARRAY), undefined, 100)).rejects.toThrow(/larger than 100 B: write it as NDJSON/);
    await expect(openSource(await make(gzipSync(ARRAY)), undefined, 100)).rejects.toThrow(/larger than 100 B/);
  });
});

describe('fileLayout (whether a plain file may be cut into byte ranges)', () => {
  it('is lines for NDJSON, document for a document, plain or gzip', async () => {
    expect(await fileLayout((await file(NDJSON)).path)).toBe('lines');
    expect(await fileLayout((await file(PRETTY)).path)).toBe('document');
    expect(await fileLayout((await file(gzipSync(ARRAY))).path)).toBe('document');
    expect(await fileLayout((await file(gzipSync(NDJSON))).path)).toBe('lines');
  });

  it('is lines for an NDJSON file whose first line is longer than the bytes it looks at', async () => {
    const long = JSON.stringify({ ...A, junk: 'x'.repeat(200_000) });
    expect(await fileLayout((await file(`${long}\n${long}\n`)).path)).toBe('lines');
  });
});
