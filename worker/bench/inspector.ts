/**
 * The Worker's V8 heap under `wrangler dev`, through its inspector (--inspector-port, Chrome
 * DevTools Protocol `Runtime.getHeapUsage`): what the platform's 128 MB isolate limit is about,
 * unlike the workerd process's RSS, which also holds the runtime, local R2 and the dev tooling.
 *
 * Uses the WebSocket client built into Node (Node 20: `--experimental-websocket`, as the npm
 * script passes). wrangler's inspector proxy wants an allowed Origin, which Node's WebSocket only
 * sends when given as a header (an undici extension).
 */

export interface HeapUsage {
  usedBytes: number;
  totalBytes: number;
}

interface CdpSocket {
  onopen: (() => void) | null;
  onerror: (() => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  send(data: string): void;
  close(): void;
}

type CdpSocketConstructor = new (url: string, init: { headers: Record<string, string> }) => CdpSocket;

/** Runtime.getHeapUsage of the Worker, or undefined when the inspector does not answer within `timeoutMs`. */
export async function workerHeapUsage(inspectorPort: number, timeoutMs = 5_000): Promise<HeapUsage | undefined> {
  const Socket = (globalThis as { WebSocket?: unknown }).WebSocket as CdpSocketConstructor | undefined;
  if (!Socket) return undefined;
  const socket = new Socket(`ws://127.0.0.1:${inspectorPort}/ws`, { headers: { Origin: 'http://localhost' } });
  try {
    return await new Promise<HeapUsage | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), timeoutMs);
      const finish = (usage: HeapUsage | undefined): void => {
        clearTimeout(timer);
        resolve(usage);
      };
      socket.onerror = () => finish(undefined);
      socket.onopen = () => socket.send(JSON.stringify({ id: 1, method: 'Runtime.getHeapUsage' }));
      socket.onmessage = (event) => {
        const message = JSON.parse(String(event.data)) as { id?: number; result?: { usedSize?: number; totalSize?: number } };
        if (message.id !== 1) return;
        const { usedSize, totalSize } = message.result ?? {};
        finish(typeof usedSize === 'number' && typeof totalSize === 'number' ? { usedBytes: usedSize, totalBytes: totalSize } : undefined);
      };
    });
  } finally {
    socket.close();
  }
}
