import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { RedisKeys } from '../../src/redis/keys.js';
import { RedisPayloadStore } from '../../src/store/redis-payload-store.js';
import { connectRedis, removePrefix, testPrefix } from '../support/redis.js';
import { startUploadServer, type UploadServer } from './upload-harness.js';

export interface RedisUploadFixture {
  server: UploadServer;
  payloads: RedisPayloadStore;
  /** Every key the payload store holds under this file's prefix. */
  storedKeys(): Promise<string[]>;
}

/**
 * An upload server over a real Redis payload store for one test file. After each test every parsed
 * upload is released and the store must be empty: a payload left behind by any path is a leak.
 */
export function useRedisUploadServer(maxUploadBytes: number): RedisUploadFixture {
  const prefix = testPrefix();
  let redis: Redis;
  const fixture = {} as RedisUploadFixture;
  beforeAll(async () => {
    redis = await connectRedis();
    fixture.payloads = new RedisPayloadStore(redis, new RedisKeys(prefix), { resultTtlMs: 86_400_000 });
    fixture.server = await startUploadServer(fixture.payloads, maxUploadBytes);
    fixture.storedKeys = () => redis.keys(`${prefix}*`);
  });
  afterEach(async () => {
    for (const upload of fixture.server.uploads.splice(0)) await upload.release();
    expect(await fixture.storedKeys()).toEqual([]);
  });
  afterAll(async () => {
    await fixture.server.close();
    await removePrefix(redis, prefix);
    await redis.quit();
  });
  return fixture;
}
