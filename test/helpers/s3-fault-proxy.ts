/**
 * An HTTP proxy in front of s3rver that adds what R2 does and s3rver does not, and faults on demand.
 *
 * - Conditional PUTs: If-Match / If-None-Match: * are checked against the origin (a HEAD) and the
 *   write forwarded under a per-key mutex, so check-and-write is atomic per key; 412
 *   PreconditionFailed otherwise.
 * - Content-MD5 on PUT is checked (400 BadDigest on a mismatch) and PUTs without one are counted.
 * - Faults, consumed in order by the requests they match: an error status, a connection reset
 *   before or after the origin handled the request, a request that never gets an answer, a body
 *   damaged before or after the MD5 check, a damaged answer body.
 *
 * - ListObjectsV2 pages: s3rver 3.7 makes its continuation tokens with DES, which Node 20's
 *   OpenSSL 3 no longer has (every truncated page is a 500), so the proxy asks s3rver for the
 *   V1 listing (marker = the last key of the previous page) and answers it in V2 form, with the
 *   base64 of that key as the continuation token.
 *
 * s3rver checks the access key id but not SigV4 signatures, so forwarding signed requests
 * unchanged (Host included), or with a rewritten query, keeps them acceptable.
 */
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type Fault =
  /** Answer this S3 error without forwarding. */
  | { kind: 'status'; status: number; code: string }
  /** Close the connection without forwarding. */
  | { kind: 'reset-before-forward' }
  /** Forward (the origin applies it), then close the connection instead of answering. */
  | { kind: 'reset-after-forward' }
  /** Never answer (until the client gives up or the proxy stops). */
  | { kind: 'stall' }
  /** Flip a byte of a PUT body before the Content-MD5 check (damage on the way to the server). */
  | { kind: 'corrupt-request-body' }
  /** Flip a byte of a PUT body after the Content-MD5 check (the server stores other bytes). */
  | { kind: 'corrupt-stored-body' }
  /** Flip a byte of the answer's body. */
  | { kind: 'corrupt-response-body' };

export interface FaultMatch {
  method?: string;
  /** The full stored key (bucket excluded). */
  key?: string;
  /** Only ListObjects requests. */
  list?: boolean;
}

export interface SeenRequest {
  method: string;
  key: string;
  list: boolean;
  fault: Fault['kind'] | null;
  /** The status answered, or null when the connection was closed without one. */
  status: number | null;
}

interface Rule {
  match: FaultMatch;
  fault: Fault;
  remaining: number;
}

interface OriginAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export class S3FaultProxy {
  readonly seen: SeenRequest[] = [];
  putsWithoutContentMd5 = 0;
  maxInFlight = 0;
  /** Every forwarded request waits this long first (to make overlapping requests observable). */
  holdMs = 0;
  private inFlight = 0;
  private rules: Rule[] = [];
  private readonly keyLocks = new Map<string, Promise<void>>();
  private readonly server = createServer((request, response) => void this.handle(request, response));
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly origin: { host: string; port: number }) {
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  static async start(origin: { host: string; port: number }): Promise<S3FaultProxy> {
    const proxy = new S3FaultProxy(origin);
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The next `times` requests matching `match` suffer `fault`. */
  inject(match: FaultMatch, fault: Fault, times = 1): void {
    this.rules.push({ match, fault, remaining: times });
  }

  /** Forgets faults and counters. */
  reset(): void {
    this.rules = [];
    this.seen.length = 0;
    this.putsWithoutContentMd5 = 0;
    this.maxInFlight = 0;
    this.holdMs = 0;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    response.on('close', () => this.inFlight--);
    const url = new URL(request.url ?? '/', 'http://proxy');
    const [, , ...keySegments] = url.pathname.split('/');
    const key = keySegments.map(decodeURIComponent).join('/');
    const method = request.method ?? 'GET';
    const list = method === 'GET' && url.searchParams.has('list-type');
    const fault = this.takeFault(method, key, list);
    const seen: SeenRequest = { method, key, list, fault: fault?.kind ?? null, status: null };
    this.seen.push(seen);
    let body = await readBody(request);

    if (fault?.kind === 'status') return this.answerError(response, seen, fault.status, fault.code, 'injected fault');
    if (fault?.kind === 'reset-before-forward') return void request.socket.destroy();
    if (fault?.kind === 'stall') return;
    if (this.holdMs > 0) await new Promise((resolve) => setTimeout(resolve, this.holdMs));

    if (method === 'PUT') {
      if (fault?.kind === 'corrupt-request-body') body = flipByte(body);
      const contentMd5 = header(request.headers, 'content-md5');
      if (contentMd5 === undefined) this.putsWithoutContentMd5++;
      else if (createHash('md5').update(body).digest('base64') !== contentMd5) {
        return this.answerError(response, seen, 400, 'BadDigest', 'The Content-MD5 you specified did not match what we received.');
      }
      if (fault?.kind === 'corrupt-stored-body') body = flipByte(body);
    }

    let answer: OriginAnswer | 'precondition-failed';
    if (method === 'PUT' || method === 'DELETE') {
      answer = await this.withKeyLock(key, async () => {
        if (!(await this.conditionHolds(request, url.pathname))) return 'precondition-failed' as const;
        return this.forward(request, url, body);
      });
    } else if (list) {
      answer = await this.listV2(request, url);
    } else {
      answer = await this.forward(request, url, body);
    }
    if (answer === 'precondition-failed') {
      return this.answerError(response, seen, 412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold');
    }
    if (fault?.kind === 'reset-after-forward') return void request.socket.destroy();
    const answerBody = fault?.kind === 'corrupt-response-body' ? flipByte(answer.body) : answer.body;
    const headers: OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(answer.headers)) {
      if (!['connection', 'keep-alive', 'transfer-encoding', 'content-length'].includes(name) && value !== undefined) headers[name] = value;
    }
    headers['content-length'] = method === 'HEAD' ? (answer.headers['content-length'] ?? '0') : String(answerBody.length);
    seen.status = answer.status;
    response.writeHead(answer.status, headers);
    response.end(method === 'HEAD' ? undefined : answerBody);
  }

  private takeFault(method: string, key: string, list: boolean): Fault | undefined {
    const rule = this.rules.find(
      ({ match, remaining }) =>
        remaining > 0 &&
        (match.method === undefined || match.method === method) &&
        (match.key === undefined || match.key === key) &&
        (match.list === undefined || match.list === list),
    );
    if (!rule) return undefined;
    rule.remaining--;
    return rule.fault;
  }

  /** If-Match / If-None-Match against the object's current ETag (read from the origin). */
  private async conditionHolds(request: IncomingMessage, path: string): Promise<boolean> {
    const ifMatch = header(request.headers, 'if-match');
    const ifNoneMatch = header(request.headers, 'if-none-match');
    if (ifMatch === undefined && ifNoneMatch === undefined) return true;
    const head = await this.send('HEAD', path, {}, Buffer.alloc(0));
    const current = head.status === 200 ? normalizeEtag(String(head.headers.etag ?? '')) : null;
    if (
      ifNoneMatch !== undefined &&
      (ifNoneMatch.trim() === '*' ? current !== null : ifNoneMatch.split(',').some((tag) => normalizeEtag(tag) === current))
    )
      return false;
    if (
      ifMatch !== undefined &&
      (current === null || (ifMatch.trim() !== '*' && !ifMatch.split(',').some((tag) => normalizeEtag(tag) === current)))
    )
      return false;
    return true;
  }

  /** ListObjectsV2 through s3rver's V1 listing (see the header comment). */
  private async listV2(request: IncomingMessage, url: URL): Promise<OriginAnswer> {
    const v1 = new URLSearchParams();
    for (const name of ['prefix', 'max-keys', 'delimiter']) {
      const value = url.searchParams.get(name);
      if (value !== null) v1.set(name, value);
    }
    const token = url.searchParams.get('continuation-token');
    if (token !== null) v1.set('marker', Buffer.from(token, 'base64').toString('utf8'));
    const answer = await this.forward(request, new URL(`${url.pathname}?${v1}`, url), Buffer.alloc(0));
    if (answer.status !== 200) return answer;
    let xml = answer.body.toString('utf8');
    const keys = [...xml.matchAll(/<Key>([\s\S]*?)<\/Key>/g)].map((match) => unescapeS3rverXml(match[1] ?? ''));
    const truncated = /<IsTruncated>true<\/IsTruncated>/.test(xml);
    const last = keys.at(-1);
    const next =
      truncated && last !== undefined
        ? `<NextContinuationToken>${Buffer.from(last, 'utf8').toString('base64')}</NextContinuationToken>`
        : '';
    xml = xml.replace(/<Marker>[\s\S]*?<\/Marker>/, `<KeyCount>${keys.length}</KeyCount>${next}`);
    return { ...answer, body: Buffer.from(xml, 'utf8') };
  }

  private forward(request: IncomingMessage, url: URL, body: Buffer): Promise<OriginAnswer> {
    const headers: OutgoingHttpHeaders = { ...request.headers, 'content-length': String(body.length) };
    delete headers['transfer-encoding'];
    return this.send(request.method ?? 'GET', `${url.pathname}${url.search}`, headers, body);
  }

  private send(method: string, path: string, headers: OutgoingHttpHeaders, body: Buffer): Promise<OriginAnswer> {
    return new Promise((resolve, reject) => {
      const outgoing = httpRequest({ host: this.origin.host, port: this.origin.port, method, path, headers }, (incoming) => {
        readBody(incoming).then(
          (answerBody) => resolve({ status: incoming.statusCode ?? 502, headers: incoming.headers, body: answerBody }),
          reject,
        );
      });
      outgoing.on('error', reject);
      outgoing.end(body.length > 0 ? body : undefined);
    });
  }

  private answerError(response: ServerResponse, seen: SeenRequest, status: number, code: string, message: string): void {
    seen.status = status;
    const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`;
    response.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(xml) });
    response.end(xml);
  }

  private async withKeyLock<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.keyLocks.get(key) ?? Promise.resolve();
    let release = (): void => {};
    const done = new Promise<void>((resolve) => (release = resolve));
    const mine = previous.then(() => done);
    this.keyLocks.set(key, mine);
    await previous;
    try {
      return await task();
    } finally {
      release();
      if (this.keyLocks.get(key) === mine) this.keyLocks.delete(key);
    }
  }
}

function readBody(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** s3rver escapes XML text with `he.escape`: & < > " ' and the backtick. */
function unescapeS3rverXml(text: string): string {
  const entities: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#x27;': "'", '&#x60;': '`' };
  return text.replace(/&(amp|lt|gt|quot|#x27|#x60);/g, (entity) => entities[entity] ?? entity);
}

function normalizeEtag(tag: string): string {
  return tag.trim().replace(/^W\//, '').replace(/"/g, '').toLowerCase();
}

/** A copy with its middle byte changed (an empty body stays empty). */
function flipByte(body: Buffer): Buffer {
  if (body.length === 0) return body;
  const copy = Buffer.from(body);
  const at = Math.floor(copy.length / 2);
  copy[at] = (copy[at] ?? 0) ^ 0xff;
  return copy;
}
