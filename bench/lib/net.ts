import { setTimeout as sleep } from 'node:timers/promises';

// The bench and the test suite start servers the same way: one free-port helper for both.
export { freePort } from '../../test/support/ports.js';

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
