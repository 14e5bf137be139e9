import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configSchema, type Config, type ConfigInput } from '../../../src/config/schema.js';
import type { ApiKeyRecord } from '../../../src/keys/types.js';
import { createLogger } from '../../../src/ops/logger.js';
import { createMetrics, type Metrics } from '../../../src/ops/metrics.js';
import { createAdmission } from '../../../src/quota/admission.js';
import type { Admission } from '../../../src/quota/types.js';
import { openBackend, type StoreBackend } from '../../../src/store/backend.js';
import { redisUrl, removePrefix, testPrefix } from '../../support/redis.js';

export const storeKinds = ['redis', 'memory'] as const;
export type StoreKind = (typeof storeKinds)[number];

/** A clock the test moves by hand. */
export class ManualClock {
  now = Date.UTC(2030, 0, 1);
  readonly read = () => this.now;
  advance(ms: number): void {
    this.now += ms;
  }
}

export interface Harness {
  config: Config;
  backend: StoreBackend;
  admission: Admission;
  clock: ManualClock;
  metrics: Metrics;
  close(): Promise<void>;
}

/** An admission over a real store of `kind`: its own Redis key prefix, or its own spool directory. */
export async function openHarness(kind: StoreKind, input: ConfigInput = {}): Promise<Harness> {
  const spoolDir = await mkdtemp(join(tmpdir(), 'upgate-quota-'));
  const prefix = input.store?.prefix ?? testPrefix();
  const config = configSchema.parse({
    ...input,
    store: { ...input.store, spoolDir, prefix, redisUrl: kind === 'redis' ? (input.store?.redisUrl ?? redisUrl()) : null },
  });
  const backend = await openBackend(config);
  const clock = new ManualClock();
  const metrics = createMetrics();
  const admission = createAdmission(config, backend, { clock: clock.read, metrics, logger: createLogger('silent') });
  return {
    config,
    backend,
    admission,
    clock,
    metrics,
    async close() {
      if (backend.kind === 'redis' && backend.redis.status === 'ready') await removePrefix(backend.redis, prefix);
      await backend.close();
      // The embedded counters may still be writing their snapshot: rm retries a directory not yet empty.
      await rm(spoolDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
    },
  };
}

export function keyRecord(id: string, quotas?: ApiKeyRecord['quotas']): ApiKeyRecord {
  return { id, weight: 1, source: 'config', ...(quotas ? { quotas } : {}) };
}

/** Admits `count` requests one after another and returns how many were admitted. */
export async function admitMany(admission: Admission, key: ApiKeyRecord, ip: string, count: number): Promise<number> {
  let admitted = 0;
  for (let i = 0; i < count; i++) if ((await admission.admit(key, ip)).admitted) admitted++;
  return admitted;
}
