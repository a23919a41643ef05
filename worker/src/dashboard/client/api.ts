/** Talking to the API from the page: the token (memory only) as Authorization, errors in words. */

export interface ErrorBody {
  message?: string;
  code?: string;
  description?: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorBody,
  ) {
    super(body.message ?? body.description ?? `HTTP ${status}`);
  }
}

export class NetworkError extends Error {}

export class Api {
  /** The pasted token; lives only in this object (never in the URL or storage). */
  private token: string | null = null;

  setToken(token: string | null): void {
    this.token = token && token.trim() !== '' ? token.trim() : null;
  }

  hasToken(): boolean {
    return this.token !== null;
  }

  /** The response of a GET, thrown as ApiError unless 200. */
  async get(path: string): Promise<Response> {
    const headers: Record<string, string> = {};
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    let response: Response;
    try {
      response = await fetch(path, { headers });
    } catch (error) {
      throw new NetworkError(String(error));
    }
    if (response.status !== 200) {
      let body: ErrorBody = {};
      try {
        body = (await response.json()) as ErrorBody;
      } catch {
        // not JSON: the status says enough
      }
      throw new ApiError(response.status, body);
    }
    return response;
  }

  async json<T>(path: string): Promise<T> {
    return (await (await this.get(path)).json()) as T;
  }
}

/** An error as a sentence for the page. */
export function describeError(error: unknown, metric = ''): string {
  if (error instanceof NetworkError) return 'Cannot reach the aggregates service. Check the connection and try again.';
  if (!(error instanceof ApiError)) return `Something went wrong in the page: ${String(error)}`;
  const message = error.body.message ?? '';
  switch (error.status) {
    case 403:
      return `This needs a valid token: ${error.body.description ?? 'access denied'}. Paste a token above to see release data.`;
    case 404:
      if (/definition/i.test(message)) return `Unknown metric "${metric}": ${message} Pick another metric.`;
      if (/No data found/i.test(message)) return `No data for "${metric}" with these filters. Remove a filter or pick another version.`;
      if (/No filters found/i.test(message)) return 'No data for this channel and version.';
      return message || 'Not found.';
    case 500:
      return 'The service failed to answer (internal error). Try again later.';
    default:
      return message || `The service answered ${error.status}.`;
  }
}
