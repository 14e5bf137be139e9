import { Redis } from 'ioredis';
import type { RedisClient } from './connect.js';
import { runScript } from './connect.js';
import { classifyRedisError, RedisSetupError } from './errors.js';
import type { RedisKeys } from './keys.js';
import { describeTarget, type RedisTarget } from './target.js';

export type StoreHealth = { state: 'ok' } | { state: 'unreachable' } | { state: 'misconfigured'; reason: string };

/**
 * Checks that the server the client reached is the kind of deployment it was configured for:
 * a plain URL must reach a standalone master (not a Cluster node, a Sentinel or a replica), a
 * Cluster target must reach Cluster nodes. Throws RedisSetupError naming the mismatch.
 */
export async function checkDeployment(redis: RedisClient, target: RedisTarget): Promise<void> {
  const where = describeTarget(target);
  if (target.mode === 'cluster') return;
  const info = parseInfo(await redis.info());
  if (info.redis_mode === 'sentinel') {
    throw new RedisSetupError(`${where} is a Redis Sentinel, not a data server: use redis+sentinel://${hosts(target)}/<master name> (or store.redis.mode: sentinel)`);
  }
  if (info.cluster_enabled === '1') {
    throw new RedisSetupError(`${where} is a Redis Cluster node: use redis+cluster://${hosts(target)} (or store.redis.mode: cluster), so every node's slots are reached`);
  }
  if (info.role !== 'master') {
    throw new RedisSetupError(`${where} is a read-only replica (role:${info.role}): point the gateway at the master, or use redis+sentinel:// to follow failovers`);
  }
}

/**
 * Why a Cluster target never became ready, when its first node says: not a Cluster node at all.
 * Asked over a plain connection of its own (the Cluster client cannot talk to a non-Cluster node).
 */
export async function explainClusterFailure(target: RedisTarget): Promise<string | undefined> {
  const node = target.nodes[0]!;
  const plain = new Redis({ host: node.host, port: node.port, lazyConnect: true, connectTimeout: 1_000, commandTimeout: 1_000, maxRetriesPerRequest: 0, retryStrategy: () => null, ...(target.username && { username: target.username }), ...(target.password && { password: target.password }), ...(target.tls && { tls: {} }) });
  plain.on('error', () => {});
  try {
    await plain.connect();
    const info = parseInfo(await plain.info());
    if (info.cluster_enabled !== '1') {
      const kind = info.redis_mode === 'sentinel' ? 'a Redis Sentinel' : 'not a Cluster node (cluster_enabled:0)';
      return `${describeTarget(target)}: ${node.host}:${node.port} is ${kind}: use ${info.redis_mode === 'sentinel' ? 'redis+sentinel://…/<master name>' : 'redis://'} for it`;
    }
    return undefined;
  } catch {
    return undefined;
  } finally {
    plain.disconnect();
  }
}

/**
 * The readiness probe: one call of the admission script on the `{quota}` slot, with limit 0 so it
 * never admits and writes nothing. It proves what a request needs — connection, script cache,
 * the slot's master, a client that follows the deployment — where PING would pass on a wrong one.
 */
export async function probeStore(redis: RedisClient, keys: RedisKeys): Promise<StoreHealth> {
  try {
    await runScript(redis, 'admit', keys.admissionKeys([keys.quotaProbe()]), ['all', 1, 'probe', 0, 1_000, 0, 1_000]);
    return { state: 'ok' };
  } catch (error) {
    const failure = classifyRedisError(error);
    return failure.kind === 'setup' ? { state: 'misconfigured', reason: failure.reason } : { state: 'unreachable' };
  }
}

function hosts(target: RedisTarget): string {
  return target.nodes.map((node) => `${node.host}:${node.port}`).join(',');
}

function parseInfo(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) fields[line.slice(0, colon)] = line.slice(colon + 1).trim();
  }
  return fields;
}
