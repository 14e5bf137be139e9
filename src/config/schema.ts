import { z } from 'zod';
import { parseDuration, parseSize } from './units.js';

/** A duration string (`500ms`, `10s`, `5m`, `1h`, `1d`) or milliseconds; parsed to milliseconds. */
const duration = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const ms = parseDuration(value);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `expected a duration like "10s" or "1h", got ${JSON.stringify(value)}` });
    return z.NEVER;
  }
  return ms;
});

/** A size string (`10MB`, `512KB`) or bytes; parsed to bytes. */
const size = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const bytes = parseSize(value);
  if (bytes === undefined) {
    ctx.addIssue({ code: 'custom', message: `expected a size like "10MB", got ${JSON.stringify(value)}` });
    return z.NEVER;
  }
  return bytes;
});

/** `{ limit: N, window: DURATION }`: at most `limit` uses per `window`, the window starting at the first use. */
export const windowLimitSchema = z.strictObject({
  limit: z.number().int().nonnegative(),
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

const staticKeySchema = z.strictObject({
  /** Public id shown in usage and metrics. */
  id: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'ids are 1-64 letters, digits, "_", "." or "-"'),
  /** The secret the client sends. */
  key: z.string().min(8),
  quotas: quotaOverrideSchema.optional(),
  /** Share of scarce upstream budget relative to other keys (default 1). */
  weight: z.number().positive().default(1),
});

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
});

export const configSchema = z.strictObject({
  server: z.strictObject({
    port: z.number().int().min(0).max(65535).default(8080),
    host: z.string().default('0.0.0.0'),
    /** Peers (addresses or CIDRs) whose X-Forwarded-For is believed. Default: none. */
    trustProxy: z.array(z.string()).default([]),
    /** Image size cap. Default 10MB. */
    maxUploadBytes: size.prefault('10MB'),
    /** How long a synchronous upload may wait before it is answered 202. Default 20s. */
    maxWait: duration.prefault('20s'),
    /** Failed key attempts per client IP before that IP is blocked for the window. Default 30 per 5m. */
    badKeyLimit: windowLimitSchema.prefault({ limit: 30, window: '5m' }),
  }).prefault({}),
  store: z.strictObject({
    /** `redis://…`; null = embedded single-process store. Default null. */
    redisUrl: z.string().nullable().default(null),
    /** Prefix of every Redis key. Default `upgate:`. */
    prefix: z.string().default('upgate:'),
    /** What admission does when Redis is unreachable: `closed` answers 503/1020 (default); `insurance` limits in memory. */
    onFailure: z.enum(['closed', 'insurance']).default('closed'),
    /** Directory of the embedded store's durable spool. Default `.spool`. */
    spoolDir: z.string().default('.spool'),
  }).prefault({}),
  admin: z.strictObject({
    /** Bearer token for /admin/*; null disables the admin API. Default null. */
    token: z.string().nullable().default(null),
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
    attempts: z.number().int().min(1).default(4),
    /** First retry delay; doubles each attempt, with jitter. Default 1s. */
    retryBackoff: duration.prefault('1s'),
    /** Limits assumed for a lane made from UPSTREAM_CLIENT_ID. Default Imgur's 50/h + 200/d. */
    defaultLimits: z.array(windowLimitSchema).prefault(imgurIpLimits),
    lanes: z.array(laneSchema).default([]),
  }).prefault({}),
  queue: z.strictObject({
    /** Most jobs queued at once. Default 10000. */
    maxJobs: z.number().int().positive().default(10_000),
    /** Most payload bytes queued at once. Default 1GB. */
    maxBytes: size.prefault('1GB'),
    /** Most jobs one key may have queued. Default 1000. */
    maxJobsPerKey: z.number().int().positive().default(1_000),
    /** How long results, idempotency keys and dedupe entries are kept. Default 1d. */
    resultTtl: duration.prefault('1d'),
    /** A dispatched job not finished within this lease goes back to the queue. Default 2m. */
    leaseTimeout: duration.prefault('2m'),
    /** Uploads one instance sends upstream at once. Default 8. */
    concurrency: z.number().int().positive().default(8),
    /** Identical bytes from the same key within resultTtl return the earlier result. Default true. */
    dedupe: z.boolean().default(true),
    callbacks: z.strictObject({
      /** Attempts to deliver a callback. Default 5. */
      attempts: z.number().int().min(1).default(5),
      /** Hosts or CIDRs allowed as callback targets although private/loopback. Default none. */
      allow: z.array(z.string()).default([]),
      /** HMAC-SHA256 secret for X-Upgate-Signature. Default: derived per key. */
      secret: z.string().nullable().default(null),
    }).prefault({}),
  }).prefault({}),
  log: z.strictObject({
    level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** `json` (one JSON line per event, default) or `pretty` (readable lines for a terminal; needs pino-pretty). */
    format: z.enum(['json', 'pretty']).default('json'),
  }).prefault({}),
});

export type ConfigInput = z.input<typeof configSchema>;
export type Config = Readonly<z.output<typeof configSchema>>;
export type WindowLimit = z.output<typeof windowLimitSchema>;
export type QuotaPolicy = z.output<typeof policySchema>;
export type QuotaOverride = z.output<typeof quotaOverrideSchema>;
export type LaneConfig = z.output<typeof laneSchema>;
export type StaticKeyConfig = z.output<typeof staticKeySchema>;
