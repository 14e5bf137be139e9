import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import type { Redis } from 'ioredis';
import { createRedis, waitReady } from '../../src/redis/connect.js';

/** The suite's Redis (its own redis-server unless REDIS_URL was given). */
export function redisUrl(): string {
  return inject('redisUrl');
}

/** A fresh key prefix, so each test's data is its own on a shared Redis. */
export function testPrefix(): string {
  return `test-${randomUUID()}:`;
}

/** A connected client; the caller quits it. */
export async function connectRedis(): Promise<Redis> {
  const redis = createRedis(redisUrl());
  await waitReady(redis);
  return redis;
}

/** Deletes every key under `prefix` (SCAN + UNLINK: never FLUSHALL on a Redis that may be shared). */
export async function removePrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    if (keys.length > 0) await redis.unlink(...keys);
    cursor = next;
  } while (cursor !== '0');
}
