import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { RedisKeys } from '../../src/redis/keys.js';
import { RedisPayloadStore } from '../../src/store/redis-payload-store.js';
import { SpoolPayloadStore } from '../../src/store/spool-payload-store.js';
import type { PayloadStore } from '../../src/store/payload-store.js';
import { connectRedis, removePrefix, testPrefix } from '../support/redis.js';

async function* chunks(total: number, size = 100_000): AsyncGenerator<Buffer> {
  for (let sent = 0; sent < total; sent += size) yield Buffer.alloc(Math.min(size, total - sent), sent % 251);
}

let redis: Redis;
let spoolDir: string;
const prefix = testPrefix();

beforeAll(async () => {
  redis = await connectRedis();
  spoolDir = await mkdtemp(join(tmpdir(), 'upgate-spool-'));
});

afterAll(async () => {
  await removePrefix(redis, prefix);
  await redis.quit();
  await rm(spoolDir, { recursive: true, force: true });
});

/** Each store, and what it holds right now (keys or files), to prove a refused upload leaves nothing. */
const stores: Array<[string, () => Promise<PayloadStore>, () => Promise<string[]>]> = [
  ['redis', async () => new RedisPayloadStore(redis, new RedisKeys(prefix), { resultTtlMs: 86_400_000 }), async () => redis.keys(`${prefix}*`)],
  [
    'spool',
    async () => {
      const store = new SpoolPayloadStore(spoolDir);
      await store.init();
      return store;
    },
    async () => readdir(join(spoolDir, 'payloads')),
  ],
];

describe.each(stores)('%s payload store', (_name, makeStore, held) => {
  it('stores streamed bytes once by content address and reads them back in chunks', async () => {
    const store = await makeStore();
    const first = await store.put(chunks(1_000_000), 2_000_000);
    const second = await store.put(chunks(1_000_000), 2_000_000);
    expect(first.ref).toBe(second.ref);
    expect(first.size).toBe(1_000_000);
    expect(first.head.length).toBe(4100);
    const bytes = await buffer(store.open(first.ref));
    expect(bytes.equals(await buffer(chunks(1_000_000)))).toBe(true);
  });

  it('keeps the bytes until the last reference is released', async () => {
    const store = await makeStore();
    const stored = await store.put(chunks(10_000, 1000), 20_000);
    await store.put(chunks(10_000, 1000), 20_000);
    await store.release(stored.ref);
    expect(await store.has(stored.ref)).toBe(true);
    await store.release(stored.ref);
    expect(await store.has(stored.ref)).toBe(false);
  });

  it('rejects an upload past the cap while streaming and keeps nothing', async () => {
    const store = await makeStore();
    const before = await held();
    await expect(store.put(chunks(3_000_000), 1_000_000)).rejects.toMatchObject({ code: 1002, status: 413 });
    // Past the cap on the very first chunk: refused before the spool file has even finished opening.
    await expect(store.put(chunks(3_000_000), 10)).rejects.toMatchObject({ code: 1002 });
    expect(await held()).toEqual(before);
  });
});

describe('redis payload store reading at a location the job record named', () => {
  const keys = new RedisKeys(prefix);

  it('reads the chunks there without looking the payload up, and falls back to the metadata when they were stored again', async () => {
    const store = new RedisPayloadStore(redis, keys, { resultTtlMs: 86_400_000 });
    const stored = await store.put(chunks(300_000, 50_000), 1_000_000);
    const [blob, count] = await redis.hmget(keys.payloadMeta(stored.ref), 'blob', 'chunks');
    const expected = await buffer(chunks(300_000, 50_000));
    expect((await buffer(store.open(stored.ref, { blob: blob!, chunks: Number(count) }))).equals(expected)).toBe(true);
    // The location is trusted: with the metadata gone, it still reads the chunks where the record said.
    await redis.hdel(keys.payloadMeta(stored.ref), 'blob');
    expect((await buffer(store.open(stored.ref, { blob: blob!, chunks: Number(count) }))).equals(expected)).toBe(true);
    await redis.hset(keys.payloadMeta(stored.ref), 'blob', blob!);
    expect((await buffer(store.open(stored.ref, { blob: 'stored-again-since', chunks: 1 }))).equals(expected)).toBe(true);
  });
});
