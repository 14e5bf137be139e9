import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Cluster, Redis, type RedisOptions as IoRedisOptions } from 'ioredis';
import { parseRedisUrl, type RedisTarget } from './target.js';

const scriptsDir = fileURLToPath(new URL('./scripts/', import.meta.url));

/** A client of any deployment: one server or a Sentinel-watched master (Redis), or a Cluster. */
export type RedisClient = Redis | Cluster;

export interface RedisOptions {
  /** Each command fails after this long instead of hanging on a dead connection. Default 1000 ms. */
  commandTimeoutMs?: number;
}

/**
 * A client that fails fast while Redis is away (no offline queue, short timeouts, no resending of a
 * command whose connection broke: the caller decides, see UploadQueue.submit) and reconnects by
 * itself, with every Lua script of `scripts/` registered as a command. Auto-pipelining sends the
 * commands issued in one tick in one write (one round trip for independent reads).
 */
export function createRedis(target: RedisTarget | string, options: RedisOptions = {}): RedisClient {
  const resolved = typeof target === 'string' ? parseRedisUrl(target) : target;
  const common: IoRedisOptions = {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 1_000,
    commandTimeout: options.commandTimeoutMs ?? 1_000,
    retryStrategy: (times) => Math.min(times * 100, 1_000),
    // After a failover the old master answers READONLY: reconnect, which finds the new one (the
    // command itself failed and is answered 503, not resent).
    reconnectOnError: (error) => (error.message.startsWith('READONLY') ? 1 : false),
    enableAutoPipelining: true,
    lazyConnect: true,
  };
  const client = connectTo(resolved, common);
  // ioredis emits 'error' on every failed reconnect; availability is reported through readiness and 503s instead.
  client.on('error', () => {});
  defineScripts(client);
  return client;
}

function connectTo(target: RedisTarget, common: IoRedisOptions): RedisClient {
  const auth = { ...(target.username && { username: target.username }), ...(target.password && { password: target.password }) };
  const tls = target.tls ? { tls: {} } : {};
  if (target.mode === 'cluster') {
    return new Cluster(target.nodes, {
      // ioredis' Cluster auto-pipelining groups commands by node and then refuses a group that spans
      // slots ("All keys in the pipeline should belong to the same slots allocation group"):
      // commands go one by one; the gateway's own pipelines stay within one slot.
      redisOptions: { ...common, ...auth, ...tls, enableAutoPipelining: false },
      enableOfflineQueue: false,
      enableAutoPipelining: false,
      lazyConnect: true,
      scaleReads: 'master',
      clusterRetryStrategy: (times) => Math.min(times * 100, 1_000),
      // A slot moving during a reshard is followed (MOVED/ASK) by the client, a few redirections deep.
      maxRedirections: 16,
      retryDelayOnFailover: 100,
      retryDelayOnClusterDown: 100,
      slotsRefreshTimeout: 1_000,
    });
  }
  if (target.mode === 'sentinel') {
    return new Redis({
      ...common,
      ...auth,
      ...tls,
      sentinels: target.nodes,
      name: target.name!,
      role: 'master',
      db: target.db,
      ...(target.sentinelPassword && { sentinelPassword: target.sentinelPassword }),
      ...(target.tls && { enableTLSForSentinelMode: true, sentinelTLS: {} }),
      sentinelRetryStrategy: (times) => Math.min(times * 100, 1_000),
    });
  }
  return new Redis({ ...common, ...auth, ...tls, host: target.nodes[0]!.host, port: target.nodes[0]!.port, db: target.db });
}

/** Resolves once the client is ready, or rejects after `timeoutMs`. */
export async function waitReady(redis: RedisClient, timeoutMs = 5_000): Promise<void> {
  if (redis.status === 'wait') redis.connect().catch(() => {});
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      reject(new Error(`Redis not ready after ${timeoutMs} ms`));
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    redis.once('ready', onReady);
  });
}

/**
 * Registers `name-N.lua` as command `name` (N names its key count, `n` a variable one). Every
 * command takes the key count first, so one `runScript` calls them all; ioredis handles EVALSHA/NOSCRIPT.
 */
function defineScripts(redis: RedisClient): void {
  const defined = new Map<string, string>();
  for (const file of readdirSync(scriptsDir)) {
    const match = /^(.+)-(\d+|n)\.lua$/.exec(file);
    if (!match) continue;
    // Two files of one name (a stale build beside a renamed script) would silently run the wrong one.
    const earlier = defined.get(match[1]!);
    if (earlier) throw new Error(`Redis scripts ${earlier} and ${file} in ${scriptsDir} share a name: rebuild (npm run build)`);
    defined.set(match[1]!, file);
    redis.defineCommand(match[1]!, { lua: withIncludes(readFileSync(scriptsDir + file, 'utf8')) });
  }
}

/** Replaces each `--- @include "name"` line with `scripts/includes/name.lua`: functions several scripts share (as BullMQ does). */
function withIncludes(lua: string): string {
  return lua.replace(/^--- @include "([\w-]+)"$/gm, (_line, name: string) => readFileSync(`${scriptsDir}includes/${name}.lua`, 'utf8'));
}

type ScriptArg = string | number | Buffer;

/** Calls a script registered from `scripts/`; every key it touches is passed in `keys`. */
export function runScript<T>(redis: RedisClient, name: string, keys: string[], args: ScriptArg[]): Promise<T> {
  const command = (redis as unknown as Record<string, (...params: ScriptArg[]) => Promise<T>>)[name];
  if (!command) throw new Error(`no Redis script named ${name}`);
  return command.call(redis, keys.length, ...keys, ...args);
}
