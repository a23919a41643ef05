/**
 * Runs before any other module of the page (main.ts imports it first):
 *
 * - makes navigator.language a locale Intl accepts: uPlot calls `new Intl.NumberFormat(navigator.language)`
 *   when it loads, which throws on a POSIX locale such as `en-US@posix` and would stop the page;
 * - shows any uncaught error or unhandled rejection on the page, in words, instead of leaving
 *   "Loading…" (or a stale view) with the reason only in the console.
 */
import { describeError } from './api';
import { validLocale } from './locale';

const reported = navigator.language;
const usable = validLocale(reported);
if (usable !== reported) Object.defineProperty(navigator, 'language', { value: usable, configurable: true });

/** Puts a failure of the page's own code into the status line. */
export function showPageError(error: unknown): void {
  const status = document.getElementById('status');
  if (status) {
    status.textContent = `${describeError(error).replace(/\.$/, '')}. Reload the page to try again.`;
    status.dataset.kind = 'error';
  }
  document.body.dataset.state = 'error';
}

window.addEventListener('error', (event) => showPageError(event.error ?? event.message));
window.addEventListener('unhandledrejection', (event) => showPageError(event.reason));
