/** The Probe of request-mix.ts over real HTTP: GET a path of a running server. */
import type { Probe } from './request-mix';

export function httpProbe(baseUrl: string): Probe {
  return async (requestPath) => {
    const response = await fetch(`${baseUrl}${requestPath}`);
    return { status: response.status, body: await response.text() };
  };
}
