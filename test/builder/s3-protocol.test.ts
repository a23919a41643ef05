/** The pure parts of the S3 store: URLs, list and error XML, the retry policy, the in-flight semaphore. */
import { AwsV4Signer } from 'aws4fetch';
import { describe, expect, it } from 'vitest';
import type { AttemptFailure, TransportRetryPolicy } from '../../builder/src/publish/s3/retry-policy';
import { decideRetry, parseRetryAfter } from '../../builder/src/publish/s3/retry-policy';
import { encodeKeyPath, listUrl, objectUrl, withoutPrefix, withPrefix } from '../../builder/src/publish/s3/s3-urls';
import { decodeXmlText, parseListObjectsV2, parseS3Error, XmlShapeError } from '../../builder/src/publish/s3/s3-xml';

describe('S3 URLs', () => {
  const keys = [
    'v1/build_id/nightly/54/201701/GC_MS',
    'v1/build_id/nightly/54/201701/[[COUNT]]_SOME_COUNT',
    "odd/a b+c%d!e'f(g)h*i~j&k=l?m#n;o,p:q@r$s",
    'unicode/été/日本',
    'empty//segment',
  ];

  it('sends exactly the path that SigV4 signs (what aws4fetch canonicalises)', () => {
    for (const key of keys) {
      const url = objectUrl('http://127.0.0.1:9000', 'bucket', key);
      const signer = new AwsV4Signer({ url, accessKeyId: 'a', secretAccessKey: 'b', service: 's3', region: 'auto' });
      expect(new URL(url).pathname, key).toBe(signer.encodedPath);
      expect(new URL(url).pathname.split('/').slice(2).map(decodeURIComponent).join('/'), key).toBe(key);
    }
  });

  it('refuses keys no URL can carry', () => {
    expect(() => encodeKeyPath('a/./b')).toThrow(RangeError);
    expect(() => encodeKeyPath('../b')).toThrow(RangeError);
    expect(() => encodeKeyPath('')).toThrow(RangeError);
    expect(encodeKeyPath('a/.../b')).toBe('a/.../b');
  });

  it('lists with list-type=2, the prefix, max-keys and the continuation token', () => {
    const url = new URL(
      listUrl('https://acc.r2.cloudflarestorage.com', 'bucket', { prefix: 'p/a b+c/', continuationToken: 'tok+/=', maxKeys: 7 }),
    );
    expect(url.pathname).toBe('/bucket');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      'list-type': '2',
      prefix: 'p/a b+c/',
      'max-keys': '7',
      'continuation-token': 'tok+/=',
    });
    expect(url.search).not.toContain('+');
  });

  it('adds and strips the store prefix', () => {
    expect(withPrefix('', 'v1/x')).toBe('v1/x');
    expect(withPrefix('staging', 'v1/x')).toBe('staging/v1/x');
    expect(withPrefix('staging', '')).toBe('staging/');
    expect(withoutPrefix('staging', 'staging/v1/x')).toBe('v1/x');
    expect(withoutPrefix('staging', 'staging2/v1/x')).toBeNull();
    expect(withoutPrefix('', 'v1/x')).toBe('v1/x');
  });
});

describe('S3 XML', () => {
  const page = (contents: string, extra: string) =>
    `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><Prefix>p/&amp;</Prefix>${extra}${contents}</ListBucketResult>`;

  it('reads escaped keys, in order, and the continuation token of a truncated page', () => {
    const xml = page(
      '<Contents><Key>p/a&amp;b&lt;c&gt;d&quot;e&apos;f</Key><ETag>&quot;x&quot;</ETag><Size>1</Size></Contents>' +
        '<Contents>\n  <Key>p/&#x41;&#66;</Key>\n</Contents>' +
        '<Contents><Key><![CDATA[p/raw&amp;<x>]]></Key></Contents>' +
        '<CommonPrefixes><Prefix>p/dir/</Prefix></CommonPrefixes>',
      '<KeyCount>3</KeyCount><IsTruncated>true</IsTruncated><NextContinuationToken>a&amp;b==</NextContinuationToken>',
    );
    expect(parseListObjectsV2(xml)).toEqual({
      keys: [`p/a&b<c>d"e'f`, 'p/AB', 'p/raw&amp;<x>'],
      isTruncated: true,
      nextContinuationToken: 'a&b==',
    });
  });

  it('reads a last (or empty) page', () => {
    expect(parseListObjectsV2(page('', '<KeyCount>0</KeyCount><IsTruncated>false</IsTruncated>'))).toEqual({
      keys: [],
      isTruncated: false,
      nextContinuationToken: undefined,
    });
  });

  it('refuses documents it cannot trust', () => {
    expect(() => parseListObjectsV2('<Error><Code>AccessDenied</Code></Error>')).toThrow(XmlShapeError);
    expect(() => parseListObjectsV2(page('', '<IsTruncated>true</IsTruncated>'))).toThrow(/NextContinuationToken/);
    expect(() => parseListObjectsV2(page('<Contents><Size>1</Size></Contents>', ''))).toThrow(/no <Key>/);
    expect(() => decodeXmlText('a &nbsp; b')).toThrow(XmlShapeError);
  });

  it('reads S3 error bodies, and tolerates bodies that are not', () => {
    expect(
      parseS3Error(
        '<?xml version="1.0"?><Error><Code>AccessDenied</Code><Message>Access &amp; denied</Message><RequestId>1</RequestId></Error>',
      ),
    ).toEqual({
      code: 'AccessDenied',
      message: 'Access & denied',
    });
    expect(parseS3Error('')).toEqual({ code: undefined, message: undefined });
    expect(parseS3Error('<html>Bad gateway</html>')).toEqual({ code: undefined, message: undefined });
  });
});

describe('retry policy', () => {
  const policy: TransportRetryPolicy = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1_000 };
  const isTransient = (failure: AttemptFailure): boolean => decideRetry(policy, failure, 1, 0.5).retry;
  const delayAfter = (failedAttempt: number, random: number): number | undefined => {
    const decision = decideRetry(policy, { kind: 'network' }, failedAttempt, random);
    return decision.retry ? decision.delayMs : undefined;
  };

  it('repeats network errors, timeouts, damaged answers, 429, 5xx and BadDigest; nothing else', () => {
    for (const status of [429, 500, 502, 503, 504]) expect(isTransient({ kind: 'status', status }), String(status)).toBe(true);
    for (const status of [400, 401, 403, 404, 405, 409, 412, 501])
      expect(isTransient({ kind: 'status', status }), String(status)).toBe(false);
    expect(isTransient({ kind: 'status', status: 400, code: 'BadDigest' })).toBe(true);
    expect(isTransient({ kind: 'status', status: 403, code: 'AccessDenied' })).toBe(false);
    expect(isTransient({ kind: 'network' })).toBe(true);
    expect(isTransient({ kind: 'timeout' })).toBe(true);
    expect(isTransient({ kind: 'corrupt-response' })).toBe(true);
  });

  it('bounds the attempts', () => {
    expect(decideRetry(policy, { kind: 'network' }, 3, 0.5).retry).toBe(true);
    expect(decideRetry(policy, { kind: 'network' }, 4, 0.5)).toEqual({ retry: false });
    expect(decideRetry(policy, { kind: 'status', status: 403 }, 1, 0.5)).toEqual({ retry: false });
  });

  it('backs off exponentially with full jitter, capped', () => {
    const patient = { ...policy, maxAttempts: 10 };
    const ceilings = [1, 2, 3, 4, 5, 6].map((attempt) => decideRetry(patient, { kind: 'timeout' }, attempt, 0.999_999));
    expect(ceilings.map((decision) => decision.retry && decision.delayMs)).toEqual([99, 199, 399, 799, 999, 999]);
    expect(delayAfter(3, 0)).toBe(0);
    expect(delayAfter(3, 0.5)).toBe(200);
  });

  it('waits at least what Retry-After asks, within the cap', () => {
    expect(decideRetry(policy, { kind: 'status', status: 503, retryAfterSeconds: 0.5 }, 1, 0)).toEqual({ retry: true, delayMs: 500 });
    expect(decideRetry(policy, { kind: 'status', status: 429, retryAfterSeconds: 60 }, 1, 0)).toEqual({ retry: true, delayMs: 1_000 });
    expect(parseRetryAfter('3', 0)).toBe(3);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6);
    expect(parseRetryAfter('soon', 0)).toBeUndefined();
    expect(parseRetryAfter(null, 0)).toBeUndefined();
  });
});
