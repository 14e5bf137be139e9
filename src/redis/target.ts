/**
 * Where the gateway's Redis is: one server, a Sentinel-watched master, or a Cluster. Read from
 * `store.redisUrl` (`REDIS_URL`) or `store.redis`; both end up as one RedisTarget.
 *
 *   redis://[user:pass@]host:port[/db]                         one server (rediss:// = TLS)
 *   redis+sentinel://[user:pass@]host:port,host:port/name[/db]  the master `name` as Sentinel reports it
 *   redis+cluster://[user:pass@]host:port,host:port             a Cluster (any reachable nodes; db is always 0)
 *
 * `rediss+sentinel://` and `rediss+cluster://` connect with TLS. In the Sentinel form the password is
 * the master's; a Sentinel password, if any, is set with `store.redis.sentinelPassword`.
 */
export type RedisMode = 'single' | 'sentinel' | 'cluster';

export interface RedisNode {
  host: string;
  port: number;
}

export interface RedisTarget {
  mode: RedisMode;
  nodes: RedisNode[];
  /** Sentinel: the monitored master's name. */
  name?: string;
  username?: string;
  password?: string;
  sentinelPassword?: string;
  tls: boolean;
  db: number;
}

const schemes: Record<string, { mode: RedisMode; tls: boolean }> = {
  'redis:': { mode: 'single', tls: false },
  'rediss:': { mode: 'single', tls: true },
  'redis+sentinel:': { mode: 'sentinel', tls: false },
  'rediss+sentinel:': { mode: 'sentinel', tls: true },
  'redis+cluster:': { mode: 'cluster', tls: false },
  'rediss+cluster:': { mode: 'cluster', tls: true },
};

export class RedisTargetError extends Error {
  override name = 'RedisTargetError';
}

/**
 * Parses one of the URL forms above. Hand-parsed, not with WHATWG `URL`: that accepts only one
 * host, and the Sentinel and Cluster forms list several.
 */
export function parseRedisUrl(url: string): RedisTarget {
  const match = /^([a-z+]+:)\/\/(?:([^@/]*)@)?([^/?#]+)(\/[^?#]*)?$/i.exec(url.trim());
  const scheme = match && schemes[match[1]!.toLowerCase()];
  if (!match || !scheme) {
    throw new RedisTargetError(`Redis URL ${redact(url)}: expected redis://, rediss://, redis+sentinel://host:port,…/master or redis+cluster://host:port,…`);
  }
  const [, , auth, hostList, pathPart] = match;
  const target: RedisTarget = { mode: scheme.mode, nodes: hostList!.split(',').map((node) => parseNode(node, url)), tls: scheme.tls, db: 0 };
  if (auth) {
    const colon = auth.indexOf(':');
    const user = decodeURIComponent(colon < 0 ? '' : auth.slice(0, colon));
    const password = decodeURIComponent(colon < 0 ? auth : auth.slice(colon + 1));
    if (user) target.username = user;
    if (password) target.password = password;
  }
  const path = (pathPart ?? '').split('/').filter(Boolean);
  if (scheme.mode === 'sentinel') {
    const name = path.shift();
    if (!name) throw new RedisTargetError(`Redis URL ${redact(url)}: the Sentinel form names the master after the hosts, e.g. redis+sentinel://host:26379/mymaster`);
    target.name = decodeURIComponent(name);
  }
  if (path.length > 0) {
    if (scheme.mode === 'cluster') throw new RedisTargetError(`Redis URL ${redact(url)}: a Cluster has only database 0`);
    target.db = parseDb(path[0]!, url);
  }
  if (scheme.mode === 'single' && target.nodes.length > 1) {
    throw new RedisTargetError(`Redis URL ${redact(url)}: several hosts need redis+sentinel:// or redis+cluster://`);
  }
  return target;
}

function parseNode(node: string, url: string): RedisNode {
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(node);
  if (!match) throw new RedisTargetError(`Redis URL ${redact(url)}: bad host "${node}"`);
  const host = match[1]!.replace(/^\[(.*)\]$/, '$1');
  const port = match[2] === undefined ? 6379 : Number(match[2]);
  if (port < 1 || port > 65535) throw new RedisTargetError(`Redis URL ${redact(url)}: bad port in "${node}"`);
  return { host, port };
}

function parseDb(value: string, url: string): number {
  const db = Number(value);
  if (!Number.isInteger(db) || db < 0) throw new RedisTargetError(`Redis URL ${redact(url)}: database must be a number, got "${value}"`);
  return db;
}

/** A node written `host:port` (as in `store.redis.nodes`). */
export function parseNodeAddress(node: string): RedisNode {
  return parseNode(node, node);
}

/** The URL without its password, for messages and logs. */
export function redact(url: string): string {
  return url.replace(/\/\/([^@/:]*):[^@/]*@/, '//$1:***@');
}

/** Names the target for logs and start-up messages, without secrets. */
export function describeTarget(target: RedisTarget): string {
  const hosts = target.nodes.map((node) => `${node.host.includes(':') ? `[${node.host}]` : node.host}:${node.port}`).join(',');
  const scheme = `redis${target.tls ? 's' : ''}${target.mode === 'single' ? '' : `+${target.mode}`}`;
  return `${scheme}://${hosts}${target.name ? `/${target.name}` : ''}${target.db ? `/${target.db}` : ''}`;
}

/** The store's Redis, from `store.redisUrl` or `store.redis`; undefined = the embedded store. */
export function redisTargetOf(store: {
  redisUrl: string | null;
  redis: { mode: RedisMode; nodes: string[]; name?: string | undefined; username?: string | undefined; password?: string | undefined; sentinelPassword?: string | undefined; tls: boolean; db: number } | null;
}): RedisTarget | undefined {
  if (store.redisUrl) return parseRedisUrl(store.redisUrl);
  if (!store.redis) return undefined;
  const { mode, nodes, name, username, password, sentinelPassword, tls, db } = store.redis;
  return {
    mode,
    nodes: nodes.map(parseNodeAddress),
    tls,
    db,
    ...(name !== undefined && { name }),
    ...(username !== undefined && { username }),
    ...(password !== undefined && { password }),
    ...(sentinelPassword !== undefined && { sentinelPassword }),
  };
}
