/** Headers every response carries, errors, 304s and CORS preflights included. */

export const CSP_POLICY = "frame-ancestors 'none'; default-src 'self'";
export const FRAME_OPTIONS = 'DENY';
export const CORS_ALLOW_HEADERS = ['Authorization', 'Content-Type'];
export const CORS_ALLOW_METHODS = ['GET', 'HEAD', 'OPTIONS'];
/** Response headers a cross-origin script may read. */
export const CORS_EXPOSE_HEADERS = ['ETag', 'X-R2-Reads', 'X-R2-Index-Reads', 'X-R2-Shard-Reads'];

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Access-Control-Allow-Origin': '*',
  'Content-Security-Policy': CSP_POLICY,
  // The original sent the legacy header as well.
  'X-Content-Security-Policy': CSP_POLICY,
  'X-Frame-Options': FRAME_OPTIONS,
};

/** The response with the security headers set (copied first when its headers are immutable). */
export function withSecurityHeaders(response: Response): Response {
  let target = response;
  try {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) target.headers.set(name, value);
  } catch {
    target = new Response(response.body, response);
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) target.headers.set(name, value);
  }
  return target;
}
