/**
 * Bearer tokens: RS256 JWTs verified with jose against a JWKS (a URL, or inline JSON), checking
 * issuer, audience, expiry and the required scope. Failures carry the original service's 403
 * bodies ({code, description}). Verified tokens are remembered briefly (never past their exp),
 * at most MAX_CACHED_TOKENS of them, each by its SHA-256 (so a long token costs no more memory).
 */
import type { JSONWebKeySet, JWTPayload, JWTVerifyGetKey } from 'jose';
import { createLocalJWKSet, createRemoteJWKSet, decodeProtectedHeader, errors, jwtVerify } from 'jose';
import type { AuthConfig } from '../config';

export interface AuthErrorBody {
  code: string;
  description: string;
}

export type AuthResult = { ok: true; subject: string | undefined } | { ok: false; error: AuthErrorBody };

export const AUTH_ERRORS = {
  headerMissing: { code: 'authorization_header_missing', description: 'Authorization header is expected' },
  notBearer: { code: 'invalid_header', description: 'Authorization header must start with Bearer' },
  tokenNotFound: { code: 'invalid_header', description: 'Token not found' },
  notBearerToken: { code: 'invalid_header', description: 'Authorization header must be Bearer token' },
  improperToken: { code: 'improper_token', description: 'Token cannot be validated' },
  noMatchingKey: { code: 'invalid_header', description: 'Unable to find appropriate key' },
  expired: { code: 'token_expired', description: 'Token is expired' },
  // The original's text, missing space included.
  invalidClaims: { code: 'invalid_claims', description: 'Incorrect claims,please check the audience and issuer' },
  unparseable: { code: 'invalid_header', description: 'Unable to parse authentication token.' },
  accessDenied: { code: 'access_denied', description: 'Access not allowed' },
} as const satisfies Record<string, AuthErrorBody>;

const ALGORITHMS = ['RS256'];
export const MAX_CACHED_TOKENS = 1_000;

/** The token of an `Authorization: Bearer <token>` header, or the original's error for it. */
export function bearerToken(header: string | undefined | null): { ok: true; token: string } | { ok: false; error: AuthErrorBody } {
  if (!header) return { ok: false, error: AUTH_ERRORS.headerMissing };
  const parts = header.trim().split(/\s+/);
  if (parts[0] !== 'Bearer') return { ok: false, error: AUTH_ERRORS.notBearer };
  if (parts.length === 1) return { ok: false, error: AUTH_ERRORS.tokenNotFound };
  if (parts.length > 2) return { ok: false, error: AUTH_ERRORS.notBearerToken };
  return { ok: true, token: parts[1] as string };
}

export class TokenVerifier {
  private readonly keys: JWTVerifyGetKey;
  private readonly verified = new Map<string, { expires: number; subject: string | undefined }>();

  constructor(
    private readonly config: AuthConfig,
    private readonly now: () => number = Date.now,
  ) {
    this.keys = config.jwks
      ? createLocalJWKSet(parseJwks(config.jwks))
      : createRemoteJWKSet(new URL(config.jwksUrl), { cacheMaxAge: 10 * 60_000, cooldownDuration: 30_000 });
  }

  /** Checks an Authorization header value. */
  async check(authorization: string | undefined | null): Promise<AuthResult> {
    const bearer = bearerToken(authorization);
    if (!bearer.ok) return bearer;
    const token = bearer.token;
    const digest = await tokenDigest(token);
    const now = this.now();
    const cached = this.verified.get(digest);
    if (cached && cached.expires > now) return { ok: true, subject: cached.subject };
    if (cached) this.verified.delete(digest);

    try {
      decodeProtectedHeader(token);
    } catch {
      return { ok: false, error: AUTH_ERRORS.improperToken };
    }
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.keys, {
        algorithms: ALGORITHMS,
        issuer: this.config.issuer,
        audience: this.config.audience,
        requiredClaims: ['exp'],
        currentDate: new Date(now),
      }));
    } catch (error) {
      return { ok: false, error: verificationError(error) };
    }
    const scopes = typeof payload.scope === 'string' ? payload.scope.split(/\s+/) : [];
    if (!scopes.includes(this.config.requiredScope)) return { ok: false, error: AUTH_ERRORS.accessDenied };

    const ttl = Math.min(this.config.tokenCacheSeconds * 1000, (payload.exp as number) * 1000 - now);
    if (ttl > 0) {
      this.verified.set(digest, { expires: now + ttl, subject: payload.sub });
      if (this.verified.size > MAX_CACHED_TOKENS) this.verified.delete(this.verified.keys().next().value as string);
    }
    return { ok: true, subject: payload.sub };
  }

  /** Verified tokens remembered now (at most MAX_CACHED_TOKENS). */
  get cachedTokens(): number {
    return this.verified.size;
  }
}

/** The hex SHA-256 of a token: what the verified-token cache is keyed by. */
async function tokenDigest(token: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token)));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

function verificationError(error: unknown): AuthErrorBody {
  if (error instanceof errors.JWTExpired) return AUTH_ERRORS.expired;
  if (error instanceof errors.JWTClaimValidationFailed) return AUTH_ERRORS.invalidClaims;
  if (error instanceof errors.JWKSNoMatchingKey) return AUTH_ERRORS.noMatchingKey;
  if (error instanceof errors.JWKSTimeout || !(error instanceof errors.JOSEError)) {
    console.error('token verification failed unexpectedly', error);
  }
  return AUTH_ERRORS.unparseable;
}

function parseJwks(text: string): JSONWebKeySet {
  const jwks = JSON.parse(text) as unknown;
  if (typeof jwks !== 'object' || jwks === null || !Array.isArray((jwks as { keys?: unknown }).keys)) {
    throw new Error('AUTH_JWKS must be a JSON Web Key Set ({"keys": [...]})');
  }
  return jwks as JSONWebKeySet;
}
