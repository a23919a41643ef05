/**
 * The little XML the store reads: ListObjectsV2 pages and S3 error bodies. S3 XML has no
 * attributes we need, no nesting of the same element and no namespaces prefixes, so a few
 * element extractions and entity decoding cover it; CDATA sections are accepted too.
 */

export interface ListPage {
  keys: string[];
  isTruncated: boolean;
  nextContinuationToken: string | undefined;
}

export interface S3ErrorBody {
  code: string | undefined;
  message: string | undefined;
}

export class XmlShapeError extends Error {
  override name = 'XmlShapeError';
}

const NAMED_ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Decodes the five named entities and numeric character references; CDATA is taken verbatim. */
export function decodeXmlText(raw: string): string {
  let text = '';
  const parts = raw.split(/(<!\[CDATA\[[\s\S]*?\]\]>)/);
  for (const part of parts) {
    if (part.startsWith('<![CDATA[')) {
      text += part.slice('<![CDATA['.length, -']]>'.length);
      continue;
    }
    text += part.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (whole, name: string) => {
      if (name.startsWith('#x')) return String.fromCodePoint(Number.parseInt(name.slice(2), 16));
      if (name.startsWith('#')) return String.fromCodePoint(Number.parseInt(name.slice(1), 10));
      const named = NAMED_ENTITIES[name];
      if (named === undefined) throw new XmlShapeError(`unknown XML entity ${whole}`);
      return named;
    });
  }
  return text;
}

/** The raw contents of every `<name>...</name>` element directly findable in `xml` (not nested in itself). */
function elements(xml: string, name: string): string[] {
  const pattern = new RegExp(`<${name}(?:\\s[^>]*?)?(?:/>|>([\\s\\S]*?)</${name}\\s*>)`, 'g');
  return [...xml.matchAll(pattern)].map((match) => match[1] ?? '');
}

function firstElement(xml: string, name: string): string | undefined {
  const [first] = elements(xml, name);
  return first;
}

/** Removes <Contents> and <CommonPrefixes> so that top-level fields are not confused with theirs. */
function topLevel(xml: string): string {
  return xml.replace(/<(Contents|CommonPrefixes)(?:\s[^>]*)?>[\s\S]*?<\/\1\s*>/g, '');
}

export function parseListObjectsV2(xml: string): ListPage {
  const root = firstElement(xml, 'ListBucketResult');
  if (root === undefined) throw new XmlShapeError('the list answer is not a ListBucketResult document');
  const keys = elements(root, 'Contents').map((contents) => {
    const key = firstElement(contents, 'Key');
    if (key === undefined) throw new XmlShapeError('a <Contents> entry has no <Key>');
    return decodeXmlText(key);
  });
  const fields = topLevel(root);
  const truncated = firstElement(fields, 'IsTruncated');
  const isTruncated = truncated !== undefined && decodeXmlText(truncated).trim() === 'true';
  const token = firstElement(fields, 'NextContinuationToken');
  const nextContinuationToken = token === undefined ? undefined : decodeXmlText(token);
  if (isTruncated && !nextContinuationToken) throw new XmlShapeError('a truncated list page has no NextContinuationToken');
  return { keys, isTruncated, nextContinuationToken };
}

/** Code and Message of an S3 `<Error>` body; both undefined when the body is not one (e.g. HEAD, a proxy's page). */
export function parseS3Error(body: string): S3ErrorBody {
  const root = firstElement(body, 'Error');
  if (root === undefined) return { code: undefined, message: undefined };
  const code = firstElement(root, 'Code');
  const message = firstElement(root, 'Message');
  return {
    code: code === undefined ? undefined : decodeXmlText(code).trim(),
    message: message === undefined ? undefined : decodeXmlText(message).trim(),
  };
}
