import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { Redis } from 'ioredis';
import { parseConfig } from '../../src/config/load.js';
import type { Config, ConfigInput } from '../../src/config/schema.js';
import type { Clock } from '../../src/clock.js';
import { createLogger } from '../../src/ops/logger.js';
import { createMetrics } from '../../src/ops/metrics.js';
import { newJobRecord, type JobRecord } from '../../src/queue/job-record.js';
import type { JobStore, StoreLimits } from '../../src/queue/job-store.js';
import { MemoryJobStore } from '../../src/queue/memory-job-store.js';
import { RedisJobStore } from '../../src/queue/redis-job-store.js';
import { createUploadQueue } from '../../src/queue/upload-queue.js';
import type { UploadQueue } from '../../src/queue/types.js';
import { RedisKeys } from '../../src/redis/keys.js';
import type { StoreBackend } from '../../src/store/backend.js';
import { RedisPayloadStore } from '../../src/store/redis-payload-store.js';
import { SpoolPayloadStore } from '../../src/store/spool-payload-store.js';
import type { UploadRequest, UploadSource } from '../../src/uploads/types.js';
import type { Lane, UpstreamAnswer, UpstreamClient } from '../../src/upstream/types.js';
import { connectRedis, redisUrl, removePrefix, testPrefix } from '../support/redis.js';
import { probeStore } from '../../src/redis/deployment-check.js';
import { parseRedisUrl } from '../../src/redis/target.js';

export type StoreKind = 'redis' | 'memory';
export const storeKinds: StoreKind[] = ['redis', 'memory'];

export const defaultLimits: StoreLimits = { maxJobs: 10_000, maxBytes: 1e9, maxJobsPerKey: 5_000, resultTtlMs: 60_000, leaseMs: 60_000, dedupe: true };

/** A Redis prefix or a spool directory of its own, removed by `cleanup`. */
export class Sandbox {
  redis!: Redis;
  readonly prefix = testPrefix();
  spoolDir!: string;

  static async open(): Promise<Sandbox> {
    const sandbox = new Sandbox();
    sandbox.redis = await connectRedis();
    sandbox.spoolDir = await mkdtemp(join(tmpdir(), 'upgate-queue-'));
    return sandbox;
  }

  async backend(kind: StoreKind): Promise<StoreBackend> {
    if (kind === 'redis') {
      const keys = new RedisKeys(this.prefix);
      const target = parseRedisUrl(redisUrl());
      return { kind, redis: this.redis, keys, target, payloads: new RedisPayloadStore(this.redis, keys, { resultTtlMs: defaultLimits.resultTtlMs }), health: () => probeStore(this.redis, keys), close: async () => {} };
    }
    const payloads = new SpoolPayloadStore(this.spoolDir);
    await payloads.init();
    return { kind: 'memory', spoolDir: this.spoolDir, payloads, health: async () => ({ state: 'ok' }), close: async () => {} };
  }

  async store(kind: StoreKind, clock: Clock, limits: Partial<StoreLimits> = {}): Promise<JobStore> {
    const all = { ...defaultLimits, ...limits };
    if (kind === 'redis') {
      const keys = new RedisKeys(this.prefix);
      return new RedisJobStore(this.redis, keys, all, clock, new RedisPayloadStore(this.redis, keys, { resultTtlMs: all.resultTtlMs }).lifetime);
    }
    return (await MemoryJobStore.open(this.spoolDir, all, clock)).store;
  }

  /** A payload source whose bytes (`size` of them, the same for the same `seed`) are in the kind's payload store: a Redis enqueue refuses a job whose bytes are not. */
  async payload(kind: StoreKind, seed: number, size = 100): Promise<UploadSource & { kind: 'payload' }> {
    const stored = await (await this.backend(kind)).payloads.put(Readable.from([Buffer.alloc(size, seed)]), Number.POSITIVE_INFINITY);
    return { kind: 'payload', ref: stored.ref, size: stored.size, mime: 'image/png' };
  }

  async cleanup(): Promise<void> {
    await removePrefix(this.redis, this.prefix);
    await this.redis.quit();
    await rm(this.spoolDir, { recursive: true, force: true });
  }
}

let counter = 0;

/** A job for `keyId` with a URL source (no payload bytes), or a payload ref when given. */
export function job(keyId: string, now: number, extra: Partial<UploadRequest> = {}): JobRecord {
  return newJobRecord(`job-${++counter}-${keyId}`, { keyId, source: { kind: 'url', url: `https://example.test/${counter}.png` }, fields: {}, ...extra }, now);
}

export function queueConfig(input: ConfigInput = {}): Config {
  return parseConfig({ log: { level: 'silent' }, ...input });
}

export function lanesConfig(count: number, limit: string | { limit: number; window: string }[]): ConfigInput['upstream'] {
  const limits = typeof limit === 'string' ? [{ limit: Number(limit.split('/')[0]), window: limit.split('/')[1]! }] : limit;
  return { lanes: Array.from({ length: count }, (_, i) => ({ id: `lane${i + 1}`, clientId: `client${i + 1}`, localAddress: `127.0.0.${i + 2}`, limits })) };
}

type Script = (lane: Lane, upload: UploadRequest, call: number) => UpstreamAnswer | Promise<UpstreamAnswer>;

/** An in-process upstream that answers from a script and records every send (the queue-level tests' upstream). */
export class ScriptedUpstream implements UpstreamClient {
  readonly sends: Array<{ lane: string; url: string; keyId: string }> = [];
  constructor(private readonly script: Script = okAnswer) {}

  async send(lane: Lane, upload: UploadRequest): Promise<UpstreamAnswer> {
    const url = upload.source.kind === 'url' ? upload.source.url : upload.source.ref;
    this.sends.push({ lane: lane.id, url, keyId: upload.keyId });
    return this.script(lane, upload, this.sends.length);
  }

  async close(): Promise<void> {}
}

export function okAnswer(lane: Lane, upload: UploadRequest, call: number): UpstreamAnswer {
  return { kind: 'ok', image: { id: `img${call}`, link: `https://i.example.test/img${call}.png`, lane: lane.id, keyId: upload.keyId }, limits: {} };
}

export async function openQueue(
  sandbox: Sandbox,
  kind: StoreKind,
  config: Config,
  upstream: UpstreamClient,
  options: { clock?: Clock; weights?: Record<string, number> } = {},
): Promise<UploadQueue> {
  return createUploadQueue({
    config,
    backend: await sandbox.backend(kind),
    upstream,
    weightOf: async (keyId) => options.weights?.[keyId] ?? 1,
    metrics: createMetrics(),
    logger: createLogger('silent'),
    ...(options.clock ? { clock: options.clock } : {}),
  });
}

/** A clock the test moves by hand. */
export function manualClock(start = 1_700_000_000_000): Clock & { advance(ms: number): void } {
  let now = start;
  const clock = (() => now) as Clock & { advance(ms: number): void };
  clock.advance = (ms) => {
    now += ms;
  };
  return clock;
}
