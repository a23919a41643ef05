/**
 * docs/shard-format.md's example is the real thing: its `xxd` block is exactly the bytes the
 * builder publishes under the key it names for the pings it names, its JSON block is what a plain
 * msgpack decoder reads from them (keys in order), and the byte count in its prose is right.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { unpack } from 'msgpackr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeShardContent, encodeShard } from '../../worker/src/core/shard-codec';
import { buildWithCli, realPingsNdjson } from '../fixtures/formats/golden-build';

const DOC = fileURLToPath(new URL('../../docs/shard-format.md', import.meta.url));

interface DocExample {
  key: string;
  pingFiles: string[];
  statedBytes: number;
  xxd: string;
  json: string;
}

/** The "### Example" section: the key and ping files it names, the stated size, and its two fenced blocks. */
function readExample(markdown: string): DocExample {
  const start = markdown.indexOf('### Example');
  const end = markdown.indexOf('\n## ', start);
  const section = markdown.slice(start, end < 0 ? undefined : end);
  const fenced = (info: string) => {
    const match = new RegExp(`\`\`\`${info}\\n([\\s\\S]*?)\`\`\``).exec(section);
    if (!match?.[1]) throw new Error(`no \`\`\`${info} block in the example`);
    return match[1];
  };
  const key = /`(v1\/[^`]+)`/.exec(section)?.[1];
  const statedBytes = Number(/all (\d+) bytes/.exec(section)?.[1]);
  const pingFiles = [...section.matchAll(/`(main-[^`]+\.json)`/g)].map((match) => match[1] as string);
  if (!key || !Number.isInteger(statedBytes) || pingFiles.length === 0) throw new Error('the example names no key, size or pings');
  return { key, pingFiles, statedBytes, xxd: fenced('xxd'), json: fenced('json') };
}

/** What `xxd` prints for these bytes (16 per line, groups of two). */
function xxd(bytes: Uint8Array): string {
  let out = '';
  for (let offset = 0; offset < bytes.length; offset += 16) {
    const line = bytes.subarray(offset, offset + 16);
    const hex = [...line].map((b) => b.toString(16).padStart(2, '0'));
    const groups = Array.from({ length: Math.ceil(hex.length / 2) }, (_, i) => hex.slice(2 * i, 2 * i + 2).join('')).join(' ');
    const ascii = [...line].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    out += `${offset.toString(16).padStart(8, '0')}: ${groups.padEnd(39)}  ${ascii}\n`;
  }
  return out;
}

function bytesOfXxd(text: string): Uint8Array {
  const hex = text
    .trimEnd()
    .split('\n')
    .map((line) => line.slice(10, 49).replace(/ /g, ''))
    .join('');
  return Uint8Array.from(hex.match(/../g) ?? [], (pair) => Number.parseInt(pair, 16));
}

const example = readExample(readFileSync(DOC, 'utf8'));
const docBytes = bytesOfXxd(example.xxd);
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'shard-doc-'));
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('docs/shard-format.md, "Example"', () => {
  it('shows its bytes exactly as xxd prints them, as many as the text says', () => {
    expect(example.xxd).toBe(xxd(docBytes));
    expect(docBytes.length).toBe(example.statedBytes);
  });

  it('are the bytes the builder publishes under that key for those pings', async () => {
    const input = path.join(dir, 'pings.ndjson');
    await writeFile(input, realPingsNdjson(example.pingFiles));
    const target = path.join(dir, 'target');
    await buildWithCli([input], target, 1);
    const published = new Uint8Array(await readFile(path.join(target, example.key)));
    // on failure, the message is the xxd block to put in the doc
    expect(xxd(published), 'the xxd of what is published now').toBe(example.xxd);
  });

  it('is read by a plain msgpack decoder as the JSON shown, keys in the same order', () => {
    const decoded = unpack(docBytes) as unknown;
    expect(JSON.stringify(decoded)).toBe(JSON.stringify(JSON.parse(example.json)));
  });

  it('round-trips through the shard codec', () => {
    const content = decodeShardContent(docBytes);
    expect(`v1/${content.prefix}/${content.channel}/${content.version}/${content.period}/${content.metric}`).toBe(example.key);
    expect(Buffer.from(encodeShard(content)).equals(Buffer.from(docBytes))).toBe(true);
  });
});
