import { z } from 'zod';
import { parseRedisUrl } from '../redis/target.js';
import { uniqueIds } from './unique-ids.js';
import { formatDuration, parseDuration, parseSize } from './units.js';

/**
 * Upper bounds of every duration, count and size, config file and admin API alike: a value past
 * them is a typo or an attack, and would overflow what the stores can hold (Redis PEXPIRE, Lua
 * integers, JSON, which writes Infinity as null).
 */
export const bounds = {
  /** Longest duration (a quota window, a TTL, a timeout): 366 days. */
  durationMs: 366 * 86_400_000,
  /** Largest count (a limit, a queue length): 2^31. */
  count: 2 ** 31,
  /** Largest size: 1 TB. */
  bytes: 1024 ** 4,
  /** Key weights: a share of scarce budget relative to other keys. */
  weight: { min: 0.001, max: 1000 },
} as const;

/** A duration string (`500ms`, `10s`, `5m`, `1h`, `1d`) or milliseconds; parsed to milliseconds, at most 366 days. */
const duration = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const ms = parseDuration(value);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `expected a duration like "10s" or "1h", got ${JSON.stringify(value)}` });
    return z.NEVER;
  }
  if (!Number.isFinite(ms) || ms > bounds.durationMs) {
    ctx.addIssue({ code: 'custom', message: `must be at most ${formatDuration(bounds.durationMs)}, got ${JSON.stringify(value)}` });
    return z.NEVER;
  }
  return ms;
});

/** A size string (`10MB`, `512KB`) or bytes; parsed to bytes, at most 1 TB. */
const size = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const bytes = parseSize(value);
  if (bytes === undefined) {
    ctx.addIssue({ code: 'custom', message: `expected a size like "10MB", got ${JSON.stringify(value)}` });
    return z.NEVER;
  }
  if (!Number.isFinite(bytes) || bytes > bounds.bytes) {
    ctx.addIssue({ code: 'custom', message: `must be at most 1TB, got ${JSON.stringify(value)}` });
    return z.NEVER;
  }
  return bytes;
});

/** A whole number from `min` to 2^31. */
const count = (min: number) => z.number().int().min(min).max(bounds.count);

/** A key's share of scarce upstream budget relative to other keys (0.001 to 1000). */
export const weightSchema = z.number().min(bounds.weight.min).max(bounds.weight.max);

/** `{ limit: N, window: DURATION }`: at most `limit` uses per `window`, the window starting at the first use. */
export const windowLimitSchema = z.strictObject({
  limit: count(0),
  window: duration.refine((ms) => ms > 0, 'window must be longer than 0'),
});

const imgurIpLimits = [{ limit: 50, window: '1h' }, { limit: 200, window: '1d' }];

export const policySchema = z.enum(['all', 'any']);

export const quotaOverrideSchema = z.strictObject({
  /** `all` (default): every limit needs room. `any`: reject only when the key's AND the IP's limits are exhausted. */
  policy: policySchema.optional(),
  perKey: z.array(windowLimitSchema).optional(),
  perIp: z.array(windowLimitSchema).optional(),
});

/** `*` or a browser origin exactly as browsers send it: scheme, host and port only, e.g. `https://app.example.com`. */
export const corsOriginSchema = z.string().refine((value) => {
  if (value === '*') return true;
  try {
    return new URL(value).origin === value;
  } catch {
    return false;
  }
}, 'expected "*" or an origin like "https://app.example.com" (scheme, host and port; no path or trailing slash)');

const staticKeySchema = z.strictObject({
  /** Public id shown in usage and metrics. */
  id: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'ids are 1-64 letters, digits, "_", "." or "-"'),
  /** The secret the client sends. */
  key: z.string().min(8),
  quotas: quotaOverrideSchema.optional(),
  /** Share of scarce upstream budget relative to other keys (default 1). */
  weight: weightSchema.default(1),
  /** Browser origins allowed for this key, replacing `cors.origins` for it. Default: `cors.origins`. */
  corsOrigins: z.array(corsOriginSchema).optional(),
});

/** `250` credits, or `"2%"` of the credit limit. */
const creditReserve = z.union([z.number().int().nonnegative(), z.string().regex(/^\d+(\.\d+)?%$/, 'expected a number of credits or a percentage like "2%"')]);

/**
 * The credential's credit budget (Imgur: ~12,500 credits a day per client id, an upload costs 10).
 * `reserve` credits are never spent, so the daily cap (five hits a month block the app) is never hit.
 */
const laneCreditsSchema = z.strictObject({
  /** Credits per window. Default 12500. */
  limit: z.number().int().nonnegative().default(12_500),
  /** Length of the credit window. Default 1d. */
  window: duration.refine((ms) => ms > 0, 'window must be longer than 0').prefault('1d'),
  /** Credits one upload costs. Default 10. */
  uploadCost: z.number().int().positive().default(10),
  /** Credits never spent: a number, or a percentage of `limit`. Default "2%". */
  reserve: creditReserve.default('2%'),
});

const nodeAddress = /^(\[[^\]]+\]|[^:,/\s]+):\d{1,5}$/;

const redisSchema = z
  .strictObject({
    /** `single` (default), `sentinel` (nodes are Sentinels, `name` the master) or `cluster` (nodes are any Cluster nodes). */
    mode: z.enum(['single', 'sentinel', 'cluster']).default('single'),
    /** `host:port` of the server, the Sentinels or the Cluster nodes to start from. */
    nodes: z.array(z.string().refine((node) => nodeAddress.test(node), 'expected "host:port"')).min(1),
    /** Sentinel: the master's name as the Sentinels know it. */
    name: z.string().min(1).optional(),
    username: z.string().optional(),
    password: z.string().optional(),
    /** Sentinel: the Sentinels' own password, when they have one. */
    sentinelPassword: z.string().optional(),
    /** Connect with TLS. Default false. */
    tls: z.boolean().default(false),
    /** Database number (single and sentinel only). Default 0. */
    db: z.number().int().nonnegative().default(0),
  })
  .refine((redis) => redis.mode !== 'sentinel' || redis.name, { message: 'mode sentinel needs the master name', path: ['name'] })
  .refine((redis) => redis.mode !== 'cluster' || redis.db === 0, { message: 'a Cluster has only database 0', path: ['db'] })
  .refine((redis) => redis.mode !== 'single' || redis.nodes.length === 1, { message: 'mode single takes one node', path: ['nodes'] });

const laneSchema = z.strictObject({
  id: z.string().min(1),
  /** The upstream credential, sent as `Authorization: Client-ID <clientId>`. */
  clientId: z.string().min(1),
  /** Source address for this lane's connections (default: the system's choice). */
  localAddress: z.string().optional(),
  /** Limits of the egress address (shared by lanes with the same localAddress). Default: Imgur's 50/h + 200/d. */
  limits: z.array(windowLimitSchema).prefault(imgurIpLimits),
  /** Limits of the credential (shared by lanes with the same clientId). Default: none. */
  clientLimits: z.array(windowLimitSchema).default([]),
  /** The credential's credits (shared by lanes with the same clientId). Default 12500/1d, uploads cost 10, reserve 2%. */
  credits: laneCreditsSchema.prefault({}),
});

/** Shortest admin (and metrics) token accepted: a guessable token would make the brute-force guard the only defence. */
export const minAdminTokenLength = 16;

const configObject = z.strictObject({
  server: z.strictObject({
    port: z.number().int().min(0).max(65535).default(8080),
    host: z.string().default('0.0.0.0'),
    /** Peers (addresses or CIDRs) whose X-Forwarded-For is believed. Default: none. */
    trustProxy: z.array(z.string()).default([]),
    /** Image size cap. Default 10MB. */
    maxUploadBytes: size.prefault('10MB'),
    /** How long a synchronous upload may wait before it is answered 202. Default 20s. */
    maxWait: duration.prefault('20s'),
    /** Failed key attempts and admin logins per client IP before that IP is blocked for the window. Default 30 per 5m. */
    badKeyLimit: windowLimitSchema.prefault({ limit: 30, window: '5m' }),
    /** Longest wait for a request's headers; a client still sending them is cut off (slowloris). Default 20s. */
    headersTimeout: duration.refine((ms) => ms > 0, 'must be longer than 0').prefault('20s'),
    /** Longest wait for a whole request, body included; 0 = no limit. Default 5m. */
    requestTimeout: duration.prefault('5m'),
  })
    .refine((server) => server.requestTimeout === 0 || server.requestTimeout >= server.headersTimeout, {
      message: 'must be at least server.headersTimeout (or 0)',
      path: ['requestTimeout'],
    })
    .prefault({}),
  store: z.strictObject({
    /**
     * `redis://`, `rediss://`, `redis+sentinel://host:port,…/master` or `redis+cluster://host:port,…`
     * (src/redis/target.ts); null = embedded single-process store, unless `redis` is set. Default null.
     */
    redisUrl: z.string().nullable().default(null),
    /** The same as an object (e.g. `{ mode: cluster, nodes: [host:port, …] }`); set this or redisUrl. Default null. */
    redis: redisSchema.nullable().default(null),
    /** Each Redis command fails after this long instead of hanging on a stalled server. Default 1s. */
    commandTimeout: duration.prefault('1s'),
    /** Prefix of every Redis key. Default `upgate:`. */
    prefix: z.string().default('upgate:'),
    /** What admission does when Redis is unreachable: `closed` answers 503/1020 (default); `insurance` limits in memory. */
    onFailure: z.enum(['closed', 'insurance']).default('closed'),
    /** Directory of the embedded store's durable spool. Default `.spool`. */
    spoolDir: z.string().default('.spool'),
  }).prefault({}).superRefine((store, ctx) => {
    if (store.redisUrl && store.redis) ctx.addIssue({ code: 'custom', path: ['redis'], message: 'set store.redisUrl or store.redis, not both' });
    if (store.redisUrl) {
      try {
        parseRedisUrl(store.redisUrl);
      } catch (error) {
        ctx.addIssue({ code: 'custom', path: ['redisUrl'], message: (error as Error).message });
      }
    }
  }),
  admin: z.strictObject({
    /** Bearer token for /admin/*; null disables the admin API. Default null. */
    token: z.string().min(minAdminTokenLength, `must be at least ${minAdminTokenLength} characters (e.g. openssl rand -hex 24)`).nullable().default(null),
  }).prefault({}),
  metrics: z.strictObject({
    /** A port of its own for GET /metrics (then not served on server.port); null = served on server.port. Default null. */
    port: z.number().int().min(0).max(65535).nullable().default(null),
    /** Listen address of metrics.port. Default: server.host. */
    host: z.string().nullable().default(null),
    /** Bearer token GET /metrics requires; null = none. Default null. */
    token: z.string().min(minAdminTokenLength, `must be at least ${minAdminTokenLength} characters`).nullable().default(null),
    /** Most keys with series of their own (label `key`); the rest count under `key="_other"`. Default 1000. */
    keyLabels: z.number().int().nonnegative().default(1_000),
  }).prefault({}),
  quotas: z.strictObject({
    policy: policySchema.default('all'),
    perKey: z.array(windowLimitSchema).prefault(imgurIpLimits),
    perIp: z.array(windowLimitSchema).prefault(imgurIpLimits),
  }).prefault({}),
  keys: z.array(staticKeySchema).default([]),
  upstream: z.strictObject({
    url: z.string().url().default('https://api.imgur.com'),
    /** Connect, headers and body timeout of one upstream attempt. Default 30s. */
    timeout: duration.prefault('30s'),
    /** Attempts for upstream 5xx, timeouts and resets before a job fails with 1021. Default 4. */
    attempts: count(1).default(4),
    /** First retry delay; doubles each attempt, with jitter. Default 1s. */
    retryBackoff: duration.prefault('1s'),
    /** Limits assumed for a lane made from UPSTREAM_CLIENT_ID. Default Imgur's 50/h + 200/d. */
    defaultLimits: z.array(windowLimitSchema).prefault(imgurIpLimits),
    lanes: z.array(laneSchema).default([]),
  }).prefault({}),
  queue: z.strictObject({
    /** Most jobs queued at once. Default 10000. */
    maxJobs: count(1).default(10_000),
    /** Most payload bytes queued at once. Default 1GB. */
    maxBytes: size.prefault('1GB'),
    /** Most jobs one key may have queued. Default 1000. */
    maxJobsPerKey: count(1).default(1_000),
    /** How long results, idempotency keys and dedupe entries are kept. Default 1d. */
    resultTtl: duration.prefault('1d'),
    /** A dispatched job not finished within this lease goes back to the queue. Default 2m. */
    leaseTimeout: duration.prefault('2m'),
    /** Uploads one instance sends upstream at once. Default 8. */
    concurrency: count(1).default(8),
    /** Identical bytes from the same key within resultTtl return the earlier result. Default true. */
    dedupe: z.boolean().default(true),
    /**
     * Send jobs accepted for another upstream (queued before upstream.url changed) to the configured
     * one. Default false: they are held until released (`upgate jobs --release-held`).
     */
    recoverToNewUpstream: z.boolean().default(false),
    callbacks: z.strictObject({
      /** Attempts to deliver a callback. Default 5. */
      attempts: count(1).default(5),
      /** Hosts or CIDRs allowed as callback targets although private/loopback. Default none. */
      allow: z.array(z.string()).default([]),
      /** HMAC-SHA256 secret for X-Upgate-Signature. Default: derived per key. */
      secret: z.string().nullable().default(null),
    }).prefault({}),
  }).prefault({}),
  cors: z.strictObject({
    /** Browser origins allowed to call the upload, jobs and credits routes (`*` = any). Default none: CORS off. */
    origins: z.array(corsOriginSchema).default([]),
    /** How long a browser may cache a preflight answer. Default 10m. */
    maxAge: duration.prefault('10m'),
  }).prefault({}),
  history: z.strictObject({
    /** How long per-minute usage history (per key, per lane) is kept for /admin/usage/history and the dashboard. Default 7d. */
    retention: duration.refine((ms) => ms >= 3_600_000 && ms <= 400 * 86_400_000, 'history.retention must be between 1h and 400d').prefault('7d'),
  }).prefault({}),
  log: z.strictObject({
    level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** `json` (one JSON line per event, default) or `pretty` (readable lines for a terminal; needs pino-pretty). */
    format: z.enum(['json', 'pretty']).default('json'),
  }).prefault({}),
});

/** The whole config: each section valid, and no id given twice (static keys, lanes). */
export const configSchema = configObject.superRefine((config, ctx) => {
  uniqueIds(ctx, config.keys, ['keys']);
  uniqueIds(ctx, config.upstream.lanes, ['upstream', 'lanes']);
  const secrets = new Map<string, number>();
  config.keys.forEach((key, i) => {
    const first = secrets.get(key.key);
    if (first === undefined) secrets.set(key.key, i);
    else ctx.addIssue({ code: 'custom', path: ['keys', i, 'key'], message: `the same secret as keys.${first} ("${config.keys[first]!.id}"): each key needs its own` });
  });
});

export type ConfigInput = z.input<typeof configSchema>;
export type Config = Readonly<z.output<typeof configSchema>>;
export type WindowLimit = z.output<typeof windowLimitSchema>;
export type QuotaPolicy = z.output<typeof policySchema>;
export type QuotaOverride = z.output<typeof quotaOverrideSchema>;
export type LaneConfig = z.output<typeof laneSchema>;
export type LaneCredits = z.output<typeof laneCreditsSchema>;
export type StaticKeyConfig = z.output<typeof staticKeySchema>;
