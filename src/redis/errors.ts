/**
 * What a failed Redis call means for the caller. `unavailable`: the store is away, stalled or in a
 * failover — retry soon (503 with Retry-After). `setup`: Redis answered, and the answer shows a
 * deployment the client was not configured for (or a key-scheme bug): retrying will not help, and
 * it must be named in the log instead of looking like an outage.
 */
export type RedisFailure = { kind: 'unavailable' } | { kind: 'setup'; reason: string };

/** Error replies that say the deployment (or the gateway's use of it) is wrong, with what to do. */
const setupReplies: Array<[prefix: string, reason: string]> = [
  ['MOVED', 'Redis answered MOVED: it is a Cluster node, but the gateway was not configured for a Cluster (use redis+cluster://host:port,… or store.redis.mode: cluster)'],
  ['ASK', 'Redis answered ASK: it is a Cluster node, but the gateway was not configured for a Cluster (use redis+cluster://host:port,… or store.redis.mode: cluster)'],
  ['CROSSSLOT', "Redis answered CROSSSLOT: a script's keys are in different Cluster slots (a key-scheme bug: see src/redis/keys.ts)"],
  ['NOSCRIPT', 'Redis answered NOSCRIPT: a script could not be loaded (is EVAL allowed on this Redis?)'],
  ['NOAUTH', 'Redis answered NOAUTH: it needs a password (set it in the Redis URL or store.redis.password)'],
  ['WRONGPASS', 'Redis answered WRONGPASS: the configured username or password is wrong'],
  ['NOPERM', 'Redis answered NOPERM: the configured user may not run a command the gateway needs (EVALSHA, EVAL, PUBLISH, …)'],
  ['WRONGTYPE', 'Redis answered WRONGTYPE: a key under the configured prefix holds data of another program (choose another store.prefix)'],
  ['ERR', 'Redis answered an error to a command or script of the gateway'],
];

/** Error replies of a store that is busy or between masters: they pass by themselves. */
const transientReplies = ['READONLY', 'LOADING', 'BUSY', 'TRYAGAIN', 'CLUSTERDOWN', 'MASTERDOWN', 'OOM'];

export function classifyRedisError(error: unknown): RedisFailure {
  // Connection errors, command timeouts, ioredis' own (MaxRetriesPerRequestError, ClusterAllFailedError…).
  if (!(error instanceof Error) || error.name !== 'ReplyError') return { kind: 'unavailable' };
  const prefix = error.message.split(' ', 1)[0]!;
  if (transientReplies.includes(prefix)) return { kind: 'unavailable' };
  const known = setupReplies.find(([reply]) => reply === prefix);
  return { kind: 'setup', reason: `${known?.[1] ?? 'Redis answered an unexpected error'} (${error.message.slice(0, 200)})` };
}

/**
 * Whether a failed call certainly did not run: Redis refused it with an error reply, or ioredis never
 * sent it (not connected, no offline queue). Anything else — a timeout, a connection lost while the
 * reply was on its way — may have run, and a write of unknown outcome must be read back.
 */
export function certainlyNotRun(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return error.name === 'ReplyError' || /Stream isn't writeable|enableOfflineQueue/.test(error.message);
}

/** Thrown where a Redis answer shows a deployment the gateway was not configured for. */
export class RedisSetupError extends Error {
  override name = 'RedisSetupError';
}
