import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { Cluster, type Redis } from 'ioredis';
import { createRedis, waitReady, type RedisClient } from '../../src/redis/connect.js';

/** The suite's Redis (its own redis-server unless REDIS_URL was given). */
export function redisUrl(): string {
  return inject('redisUrl');
}

/** A fresh key prefix, so each test's data is its own on a shared Redis. */
export function testPrefix(): string {
  return `test-${randomUUID()}:`;
}

/** A connected client of the suite's Redis; the caller quits it. */
export async function connectRedis(): Promise<Redis> {
  const redis = createRedis(redisUrl()) as Redis;
  await waitReady(redis);
  return redis;
}

/** Every key under `prefix`, from every master of a Cluster (SCAN runs per node). */
export async function keysUnder(redis: RedisClient, prefix: string): Promise<string[]> {
  const nodes = redis instanceof Cluster ? redis.nodes('master') : [redis];
  const found: string[] = [];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      found.push(...keys);
      cursor = next;
    } while (cursor !== '0');
  }
  return found;
}

/** Deletes every key under `prefix` (SCAN + UNLINK: never FLUSHALL on a Redis that may be shared). */
export async function removePrefix(redis: RedisClient, prefix: string): Promise<void> {
  // One UNLINK per key: on a Cluster, keys of different slots cannot share a command.
  await Promise.all((await keysUnder(redis, prefix)).map((key) => redis.unlink(key)));
}
