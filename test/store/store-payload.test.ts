import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { storePayload } from '../../src/http/parse/store-payload.js';
import { HeldPayloadStore } from '../../src/store/held-payload-store.js';
import type { PayloadStore } from '../../src/store/payload-store.js';

/** A body that sends `good` chunks, then fails as a client's broken-off upload does. */
async function* brokenOff(good: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < good; i++) yield Buffer.alloc(1024, i);
  throw new Error('aborted');
}

async function* whole(): AsyncGenerator<Buffer> {
  yield Buffer.from('PNG bytes');
}

describe('storePayload', () => {
  let held: HeldPayloadStore;
  beforeEach(async () => {
    held = await HeldPayloadStore.open();
  });
  afterEach(async () => {
    await held.close();
  });

  it('stores the bytes and names them by their content', async () => {
    const stored = await storePayload(held, whole(), 1024);
    expect(stored).toMatchObject({ size: 9 });
    expect(Buffer.concat(held.inMemory(stored.ref) ?? []).toString()).toBe('PNG bytes');
  });

  it('answers an upload the client broke off as malformed (400/9000)', async () => {
    await expect(storePayload(held, brokenOff(3), 1_000_000)).rejects.toMatchObject({ code: 9000, status: 400, message: 'The upload broke off before it was complete' });
    expect(held.bytes).toBe(0);
  });

  it('answers a store that fails as unavailable (503/1020), not as the client’s fault', async () => {
    const failing: PayloadStore = Object.assign(Object.create(held) as PayloadStore, {
      put: async (source: AsyncIterable<Buffer | string>) => {
        for await (const _chunk of source) throw new Error('disk full');
        throw new Error('unreachable');
      },
    });
    await expect(storePayload(failing, whole(), 1024)).rejects.toMatchObject({ code: 1020, status: 503 });
  });

  it('passes the cap error (413/1002) through as it is', async () => {
    await expect(storePayload(held, whole(), 4)).rejects.toMatchObject({ code: 1002, status: 413 });
  });
});
