import type { Redis } from 'ioredis';
import type { Config } from '../config/schema.js';
import { createRedis, waitReady } from '../redis/connect.js';
import { RedisKeys } from '../redis/keys.js';
import { RedisPayloadStore } from './redis-payload-store.js';
import { lockSpool } from './spool-lock.js';
import { SpoolPayloadStore } from './spool-payload-store.js';
import type { PayloadStore } from './payload-store.js';

/**
 * Where the gateway keeps its state: a shared Redis (many instances act as one), or the embedded
 * store (one process; in memory, with a spool directory for what must survive a restart).
 * Each component picks its implementation from `kind`.
 */
export type StoreBackend =
  | { kind: 'redis'; redis: Redis; keys: RedisKeys; payloads: PayloadStore; close(): Promise<void> }
  | { kind: 'memory'; spoolDir: string; payloads: PayloadStore; close(): Promise<void> };

export async function openBackend(config: Config): Promise<StoreBackend> {
  const { redisUrl, prefix, spoolDir } = config.store;
  if (redisUrl) {
    const redis = createRedis(redisUrl);
    const keys = new RedisKeys(prefix);
    // Start even while Redis is away: requests answer 503 and the client reconnects by itself.
    await waitReady(redis).catch(() => {});
    return { kind: 'redis', redis, keys, payloads: new RedisPayloadStore(redis, keys), close: () => redis.quit().then(() => {}, () => redis.disconnect()) };
  }
  // Before anything in the spool is read or swept: it may belong to a running process.
  const lock = await lockSpool(spoolDir);
  const payloads = new SpoolPayloadStore(spoolDir);
  await payloads.init().catch(async (error: unknown) => {
    await lock.release();
    throw error;
  });
  return { kind: 'memory', spoolDir, payloads, close: () => lock.release() };
}
