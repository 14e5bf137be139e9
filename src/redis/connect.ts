import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';

const scriptsDir = fileURLToPath(new URL('./scripts/', import.meta.url));

export interface RedisOptions {
  /** Each command fails after this long instead of hanging on a dead connection. Default 1000 ms. */
  commandTimeoutMs?: number;
}

/**
 * A client that fails fast while Redis is away (no offline queue, short timeouts) and
 * reconnects by itself, with every Lua script of `scripts/` registered as a command.
 */
export function createRedis(url: string, options: RedisOptions = {}): Redis {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 1_000,
    commandTimeout: options.commandTimeoutMs ?? 1_000,
    retryStrategy: (times) => Math.min(times * 100, 1_000),
    lazyConnect: true,
  });
  // ioredis emits 'error' on every failed reconnect; availability is reported through readiness and 503s instead.
  redis.on('error', () => {});
  defineScripts(redis);
  return redis;
}

/** Resolves once the client is ready, or rejects after `timeoutMs`. */
export async function waitReady(redis: Redis, timeoutMs = 5_000): Promise<void> {
  if (redis.status === 'wait') await redis.connect().catch(() => {});
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
function defineScripts(redis: Redis): void {
  for (const file of readdirSync(scriptsDir)) {
    const match = /^(.+)-(\d+|n)\.lua$/.exec(file);
    if (match) redis.defineCommand(match[1]!, { lua: readFileSync(scriptsDir + file, 'utf8') });
  }
}

type ScriptArg = string | number | Buffer;

/** Calls a script registered from `scripts/`; every key it touches is passed in `keys`. */
export function runScript<T>(redis: Redis, name: string, keys: string[], args: ScriptArg[]): Promise<T> {
  const command = (redis as unknown as Record<string, (...params: ScriptArg[]) => Promise<T>>)[name];
  if (!command) throw new Error(`no Redis script named ${name}`);
  return command.call(redis, keys.length, ...keys, ...args);
}
