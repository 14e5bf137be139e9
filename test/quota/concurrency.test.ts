import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/ops/logger.js';
import { createMetrics } from '../../src/ops/metrics.js';
import { createAdmission } from '../../src/quota/admission.js';
import { createRedis, waitReady } from '../../src/redis/connect.js';
import { RedisKeys } from '../../src/redis/keys.js';
import type { StoreBackend } from '../../src/store/backend.js';
import { redisUrl } from '../support/redis.js';
import { admitMany, keyRecord, openHarness, type Harness } from './support/harness.js';

const quotas = { perKey: [{ limit: 60, window: '1h' }], perIp: [{ limit: 1000, window: '1h' }] };
const key = keyRecord('busy');

describe('concurrent admissions', () => {
  let harness: Harness;
  const extraClients: Array<{ quit(): Promise<unknown> }> = [];
  afterEach(async () => {
    await Promise.all(extraClients.splice(0).map((client) => client.quit()));
    await harness.close();
  });

  it('admit exactly the 50 remaining of 200 sent at once from several Redis connections', async () => {
    harness = await openHarness('redis', { quotas });
    expect(await admitMany(harness.admission, key, '10.5.0.1', 10)).toBe(10);
    const admissions = await Promise.all(
      Array.from({ length: 4 }, async () => {
        const redis = createRedis(redisUrl());
        extraClients.push(redis);
        await waitReady(redis);
        const backend = { ...harness.backend, redis, keys: new RedisKeys(harness.config.store.prefix) } as StoreBackend;
        return createAdmission(harness.config, backend, { clock: harness.clock.read, metrics: createMetrics(), logger: createLogger('silent') });
      }),
    );
    const decisions = await Promise.all(Array.from({ length: 200 }, (_, i) => admissions[i % 4]!.admit(key, `10.5.0.${i % 7}`)));
    expect(decisions.filter((d) => d.admitted)).toHaveLength(50);
    const usage = await harness.admission.usage(key);
    expect(usage[0]!.used).toBe(60);
  });

  it('admit exactly the 50 remaining of 200 sent at once to the embedded store', async () => {
    harness = await openHarness('memory', { quotas });
    expect(await admitMany(harness.admission, key, '10.5.0.1', 10)).toBe(10);
    const decisions = await Promise.all(Array.from({ length: 200 }, (_, i) => harness.admission.admit(key, `10.5.0.${i % 7}`)));
    expect(decisions.filter((d) => d.admitted)).toHaveLength(50);
  });
});
