import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HeldPayloadStore, heldInMemoryBytes } from '../../src/store/held-payload-store.js';

async function* chunks(total: number, size = 64 * 1024): AsyncGenerator<Buffer> {
  for (let sent = 0; sent < total; sent += size) yield Buffer.alloc(Math.min(size, total - sent), sent % 251);
}

/** The temporary files of the held stores of this process. */
async function heldFiles(): Promise<string[]> {
  const dirs = (await readdir(tmpdir())).filter((name) => name.startsWith('upgate-held-'));
  return (await Promise.all(dirs.map((dir) => readdir(join(tmpdir(), dir)).catch(() => [])))).flat();
}

describe('the held payload store', () => {
  let held: HeldPayloadStore;
  beforeEach(async () => {
    held = await HeldPayloadStore.open();
  });
  afterEach(async () => {
    await held.close();
  });

  it('keeps a small upload in memory, as received', async () => {
    const stored = await held.put(chunks(100_000), 1_000_000);
    expect(held.inMemory(stored.ref)?.map((chunk) => chunk.length)).toEqual([65_536, 34_464]);
  });

  it('moves an upload to a temporary file once it is larger than it may keep in memory', async () => {
    const size = heldInMemoryBytes + 1;
    const stored = await held.put(chunks(size), 10_000_000);
    expect(held.inMemory(stored.ref)).toBeUndefined();
    expect((await buffer(held.open(stored.ref))).equals(await buffer(chunks(size)))).toBe(true);
  });

  it('writes an upload declared larger than that to its file from the first byte, whatever it turns out to be', async () => {
    const before = await heldFiles();
    const stored = await held.put(chunks(1000), 10_000_000, heldInMemoryBytes + 1);
    expect(held.inMemory(stored.ref)).toBeUndefined();
    expect((await heldFiles()).length).toBe(before.length + 1);
    expect(await buffer(held.open(stored.ref))).toEqual(await buffer(chunks(1000)));
    await held.release(stored.ref);
    expect((await heldFiles()).length).toBe(before.length);
  });
});
