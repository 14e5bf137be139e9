import { afterEach, describe, expect, it } from 'vitest';
import { admitMany, keyRecord, openHarness, storeKinds, type Harness } from './support/harness.js';

const quotas = {
  policy: 'all' as const,
  perKey: [{ limit: 3, window: '1h' }, { limit: 5, window: '1d' }],
  perIp: [{ limit: 4, window: '1h' }],
};

describe.each(storeKinds)('policy all (%s store)', (kind) => {
  let harness: Harness;
  afterEach(() => harness.close());

  it('admits while every window has room, then rejects when the key runs out', async () => {
    harness = await openHarness(kind, { quotas });
    const key = keyRecord('app');
    expect(await admitMany(harness.admission, key, '10.0.0.1', 3)).toBe(3);
    const rejected = await harness.admission.admit(key, '10.0.0.1');
    expect(rejected.admitted).toBe(false);
    expect(rejected.retryAfterSeconds).toBe(3600);
    expect(rejected.windows.map((w) => [w.name, w.used, w.remaining])).toEqual([
      ['key-1h', 3, 0],
      ['key-1d', 3, 2],
      ['ip-1h', 3, 1],
    ]);
  });

  it('rejects a fresh key once its client IP has run out', async () => {
    harness = await openHarness(kind, { quotas });
    expect(await admitMany(harness.admission, keyRecord('a'), '10.0.0.2', 3)).toBe(3);
    expect(await admitMany(harness.admission, keyRecord('b'), '10.0.0.2', 3)).toBe(1);
    const other = await harness.admission.admit(keyRecord('b'), '10.0.0.3');
    expect(other.admitted).toBe(true);
  });

  it('counts the rejection in the quota-rejections metric by exhausted limit', async () => {
    harness = await openHarness(kind, { quotas });
    await admitMany(harness.admission, keyRecord('app'), '10.0.0.4', 4);
    const metric = await harness.metrics.quotaRejections.get();
    expect(metric.values.map((v) => [v.labels.limit, v.value])).toEqual([['key-1h', 1]]);
  });
});
