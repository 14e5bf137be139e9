import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** A port free on 127.0.0.1 right now (the OS picks it; the caller binds it soon after). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** Polls `url` until it answers with any HTTP status (the server is up); fails after `timeoutMs` or once `alive()` says the server died. */
export async function waitForHttp(url: string, alive: () => boolean = () => true, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      return;
    } catch (error) {
      if (Date.now() > deadline || !alive()) throw new Error(`${url} did not answer within ${timeoutMs} ms: ${(error as Error).message}`);
      await sleep(100);
    }
  }
}
