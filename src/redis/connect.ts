import { createHash } from 'node:crypto';
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
 * itself; the Lua scripts of `scripts/` run through `runScript`. The commands issued in one turn of
 * the event loop go out in one write (one round trip for independent commands; see writeByTurn).
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
    // Not ioredis' auto-pipelining: see writeByTurn.
    enableAutoPipelining: false,
    lazyConnect: true,
  };
  const client = connectTo(resolved, common);
  // ioredis emits 'error' on every failed reconnect; availability is reported through readiness and 503s instead.
  client.on('error', () => {});
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
      redisOptions: { ...common, ...auth, ...tls },
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
    return writeByTurn(new Redis({
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
    }));
  }
  return writeByTurn(new Redis({ ...common, ...auth, ...tls, host: target.nodes[0]!.host, port: target.nodes[0]!.port, db: target.db }));
}

/**
 * Sends the commands issued in one turn of the event loop in one write, as node-redis does: each
 * connection's socket is corked at the turn's first command and uncorked once the turn's I/O
 * callbacks have run (setImmediate, when ioredis' auto-pipelining would send its batch). Replies
 * come back in order on the same connection, so nothing else changes.
 *
 * Why not ioredis' `enableAutoPipelining`: it batches through a Pipeline object, and each Pipeline
 * defines an accessor (`length`) with a closure of its own on itself. V8 keeps such objects, and
 * everything they reach (the batch's commands, their callbacks, the requests awaiting them), alive
 * through young-generation collections. Measured on the bench machine at 200 uploads/s: 1.5 MB
 * survived each collection and was promoted (~5 MB/s into the old generation), scavenges took
 * 4.3 ms and a mark-compact followed every few seconds; with direct commands, 28 KB.
 */
function writeByTurn(client: Redis): Redis {
  client.on('connect', () => {
    const socket = client.stream;
    const write = socket.write;
    // When the corked commands go out: once this turn's I/O callbacks have run, or, when all of
    // them are unhurried, a little later.
    let flush: 'turn' | 'later' | undefined;
    let later: NodeJS.Timeout | undefined;
    const uncork = () => {
      if (!flush) return;
      flush = undefined;
      clearTimeout(later);
      socket.uncork();
    };
    socket.write = function (this: typeof socket, ...args: Parameters<typeof write>) {
      if (!flush) socket.cork();
      if (unhurriedDepth === 0 && flush !== 'turn') {
        flush = 'turn';
        setImmediate(uncork);
      } else if (!flush) {
        flush = 'later';
        later = setTimeout(uncork, unhurriedMaxMs);
      }
      return write.apply(this, args);
    } as typeof write;
  });
  return client;
}

/**
 * How long a command issued `unhurried` may wait for another one to share its write. Short, so that
 * it only waits on a busy gateway: at 200 uploads/s, waiting 5 ms made it ride with the next
 * upload's admission, whose round trip then waited for its scripts too (p50 +0.1–0.2 ms).
 */
const unhurriedMaxMs = 1;
/** Above 0 while `unhurried` issues commands. */
let unhurriedDepth = 0;

/**
 * Issues bookkeeping that nobody waits for (a forwarded upload's finish, its budget's reconcile):
 * the commands `issue` sends synchronously need not go out this turn. They wait for the next
 * command that must (or `unhurriedMaxMs`) and share its write: on the bench machine a socket write
 * costs the gateway ~0.1 ms of CPU, and with 10 clients of tiny uploads this took the Redis writes
 * per upload from 0.64 to 0.4. The connection keeps their order: whatever this process sends after
 * them is written after them. (On a Cluster, which writes each command on its own, it changes nothing.)
 */
export function unhurried<T>(issue: () => T): T {
  unhurriedDepth += 1;
  try {
    return issue();
  } finally {
    unhurriedDepth -= 1;
  }
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
 * The scripts of `scripts/` by name: `name-N.lua` is `name` (N names its key count, `n` a variable
 * one). Read once per process; every script takes its key count first.
 */
let scripts: Map<string, { lua: string; sha: string }> | undefined;
function scriptNamed(name: string): { lua: string; sha: string } {
  scripts ??= loadScripts();
  const script = scripts.get(name);
  if (!script) throw new Error(`no Redis script named ${name}`);
  return script;
}

function loadScripts(): Map<string, { lua: string; sha: string }> {
  const loaded = new Map<string, { lua: string; sha: string; file: string }>();
  for (const file of readdirSync(scriptsDir)) {
    const match = /^(.+)-(\d+|n)\.lua$/.exec(file);
    if (!match) continue;
    // Two files of one name (a stale build beside a renamed script) would silently run the wrong one.
    const earlier = loaded.get(match[1]!);
    if (earlier) throw new Error(`Redis scripts ${earlier.file} and ${file} in ${scriptsDir} share a name: rebuild (npm run build)`);
    const lua = withIncludes(readFileSync(scriptsDir + file, 'utf8'));
    loaded.set(match[1]!, { lua, sha: createHash('sha1').update(lua).digest('hex'), file });
  }
  return loaded;
}

/** Replaces each `--- @include "name"` line with `scripts/includes/name.lua`: functions several scripts share (as BullMQ does). */
function withIncludes(lua: string): string {
  return lua.replace(/^--- @include "([\w-]+)"$/gm, (_line, name: string) => readFileSync(`${scriptsDir}includes/${name}.lua`, 'utf8'));
}

type ScriptArg = string | number | Buffer;

/** The scripts each client has sent whole since it last (re)connected: those go by EVALSHA. */
const sentWhole = new WeakMap<RedisClient, Set<string>>();
function scriptsSentBy(redis: RedisClient): Set<string> {
  let sent = sentWhole.get(redis);
  if (!sent) {
    const fresh = new Set<string>();
    redis.on('ready', () => fresh.clear());
    sentWhole.set(redis, (sent = fresh));
  }
  return sent;
}

/**
 * Runs a script of `scripts/`; every key it touches is passed in `keys`. As ioredis' defineCommand
 * does: the first call on a connection sends the script whole (EVAL), so a call held back by a
 * stalled server still runs when let through; later calls send its SHA, and EVAL again after a
 * NOSCRIPT (a restart, a failover). Written here because ioredis copies every defined command onto
 * each pipeline it makes (~2% of an upload's CPU when it still made one per batch).
 */
export async function runScript<T>(redis: RedisClient, name: string, keys: string[], args: ScriptArg[]): Promise<T> {
  const { lua, sha } = scriptNamed(name);
  const sent = scriptsSentBy(redis);
  const whole = () => redis.eval(lua, keys.length, ...keys, ...args) as Promise<T>;
  if (!sent.has(name)) {
    sent.add(name);
    return whole();
  }
  try {
    return (await redis.evalsha(sha, keys.length, ...keys, ...args)) as T;
  } catch (error) {
    if (!(error instanceof Error && error.message.startsWith('NOSCRIPT'))) throw error;
    return whole();
  }
}
