/** JSON error responses. The original answered aborts with HTML; every error here is JSON. */
import type { AuthErrorBody } from '../auth/tokens';
import { JSON_CONTENT_TYPE } from '../core/content-types';

export const METRIC_NOT_ALLOWED_MESSAGE = 'This metric is not allowed to be served.';
export const NOT_FOUND_MESSAGE = 'Not found.';
export const INTERNAL_ERROR_MESSAGE = 'Internal error.';

export interface ErrorBody {
  message: string;
}

export function jsonResponse(body: string, status: number, headers: Record<string, string> = {}): Response {
  return new Response(body, { status, headers: { 'Content-Type': JSON_CONTENT_TYPE, ...headers } });
}

export function errorResponse(status: number, message: string, headers: Record<string, string> = {}): Response {
  return jsonResponse(JSON.stringify({ message } satisfies ErrorBody), status, headers);
}

export function notFound(message: string = NOT_FOUND_MESSAGE): Response {
  return errorResponse(404, message);
}

/** 403 with the original's {code, description} body. */
export function forbidden(error: AuthErrorBody): Response {
  return jsonResponse(JSON.stringify({ code: error.code, description: error.description }), 403);
}
