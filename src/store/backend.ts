import type { Config } from '../config/schema.js';
import { createRedis, waitReady, type RedisClient } from '../redis/connect.js';
import { checkDeployment, explainClusterFailure, probeStore, type StoreHealth } from '../redis/deployment-check.js';
import { RedisSetupError } from '../redis/errors.js';
import { RedisKeys } from '../redis/keys.js';
import { describeTarget, redisTargetOf, type RedisTarget } from '../redis/target.js';
import { RedisPayloadStore } from './redis-payload-store.js';
import { lockSpool } from './spool-lock.js';
import { SpoolPayloadStore } from './spool-payload-store.js';

/**
 * Where the gateway keeps its state: a shared Redis — one server, Sentinel or Cluster — (many
 * instances act as one), or the embedded store (one process; in memory, with a spool directory for
 * what must survive a restart). Each component picks its implementation from `kind`.
 */
export type StoreBackend =
  | {
      kind: 'redis';
      redis: RedisClient;
      keys: RedisKeys;
      target: RedisTarget;
      payloads: RedisPayloadStore;
      /** Whether the store can run what requests need right now (a real script call), for /readyz. */
      health(): Promise<StoreHealth>;
      close(): Promise<void>;
    }
  | { kind: 'memory'; spoolDir: string; payloads: SpoolPayloadStore; health(): Promise<StoreHealth>; close(): Promise<void> };

export interface BackendOptions {
  /** Told when a reconnect reaches a deployment other than the configured one (start-up throws instead). */
  onMisconfigured?: (error: RedisSetupError) => void;
}

export async function openBackend(config: Config, options: BackendOptions = {}): Promise<StoreBackend> {
  const { prefix, spoolDir } = config.store;
  const target = redisTargetOf(config.store);
  if (target) {
    const redis = createRedis(target, { commandTimeoutMs: config.store.commandTimeout });
    const keys = new RedisKeys(prefix);
    const payloads = new RedisPayloadStore(redis, keys, { resultTtlMs: config.queue.resultTtl });
    const close = async () => {
      await payloads.lifetime.close();
      await redis.quit().then(() => {}, () => redis.disconnect());
    };
    // Start even while Redis is away: requests answer 503 and the client reconnects by itself.
    const ready = await waitReady(redis).then(() => true, () => false);
    if (ready) {
      await verify(redis, target, keys).catch(async (error: unknown) => {
        redis.disconnect();
        throw error;
      });
    } else if (target.mode === 'cluster') {
      const reason = await explainClusterFailure(target);
      if (reason) {
        redis.disconnect();
        throw new RedisSetupError(reason);
      }
    }
    // Each later reconnect may reach another server (DNS, failover): the same check, reported.
    redis.on('ready', () => {
      verify(redis, target, keys).catch((error: unknown) => {
        if (error instanceof RedisSetupError) options.onMisconfigured?.(error);
      });
    });
    payloads.lifetime.start();
    return { kind: 'redis', redis, keys, target, payloads, health: () => probeStore(redis, keys), close };
  }
  // Before anything in the spool is read or swept: it may belong to a running process.
  const lock = await lockSpool(spoolDir);
  const payloads = new SpoolPayloadStore(spoolDir);
  await payloads.init().catch(async (error: unknown) => {
    await lock.release();
    throw error;
  });
  return { kind: 'memory', spoolDir, payloads, health: async () => ({ state: 'ok' }), close: () => lock.release() };
}

/** The deployment check, then the readiness probe: a wrong setup fails here with a message naming it. */
async function verify(redis: RedisClient, target: RedisTarget, keys: RedisKeys): Promise<void> {
  await checkDeployment(redis, target);
  const health = await probeStore(redis, keys);
  if (health.state === 'misconfigured') throw new RedisSetupError(`${describeTarget(target)}: ${health.reason}`);
}
