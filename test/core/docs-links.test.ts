/**
 * The README and docs/ link to each other and into the tree: every relative link must name a file
 * that exists, and every #anchor a heading of the file it points to (GitHub's anchor rules).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DOCUMENTS = ['README.md', ...readdirSync(path.join(ROOT, 'docs')).map((name) => `docs/${name}`)].filter((file) =>
  file.endsWith('.md'),
);

/** GitHub's heading anchor: lower case, punctuation but - and _ dropped, spaces to -. */
function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const heading = !fenced && /^#{1,6} (.*)$/.exec(line);
    if (heading) anchors.add(anchorOf(heading[1] as string));
  }
  return anchors;
}

function linksOf(markdown: string): string[] {
  const withoutCode = markdown.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  return [...withoutCode.matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1] as string);
}

describe('links in the README and docs/', () => {
  it('finds the documents', () => {
    expect(DOCUMENTS).toContain('README.md');
    expect(DOCUMENTS.length).toBeGreaterThan(5);
  });

  for (const document of DOCUMENTS) {
    it(`${document}: every relative link and anchor resolves`, () => {
      const text = readFileSync(path.join(ROOT, document), 'utf8');
      const broken: string[] = [];
      for (const link of linksOf(text)) {
        if (/^[a-z]+:/i.test(link)) continue;
        const [target = '', anchor] = link.split('#');
        const file = target === '' ? path.join(ROOT, document) : path.resolve(path.dirname(path.join(ROOT, document)), target);
        if (!existsSync(file)) {
          broken.push(`${link} (no such file)`);
          continue;
        }
        if (anchor !== undefined && file.endsWith('.md') && !anchorsOf(readFileSync(file, 'utf8')).has(anchor)) {
          broken.push(`${link} (no such heading)`);
        }
      }
      expect(broken).toEqual([]);
    });
  }
});
