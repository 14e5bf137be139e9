import { afterEach, describe, expect, it } from 'vitest';
import { admitMany, keyRecord, openHarness, storeKinds, type Harness } from './support/harness.js';

const quotas = { policy: 'all' as const, perKey: [{ limit: 2, window: '1h' }], perIp: [{ limit: 2, window: '1h' }] };

describe.each(storeKinds)('per-key overrides (%s store)', (kind) => {
  let harness: Harness;
  afterEach(() => harness.close());

  it('uses the key’s own limits and policy instead of the configured ones', async () => {
    harness = await openHarness(kind, { quotas });
    const big = keyRecord('big', { policy: 'any', perKey: [{ limit: 5, window: 60_000 }] });
    expect(await admitMany(harness.admission, big, '10.2.0.1', 7)).toBe(5);
    const decision = await harness.admission.admit(big, '10.2.0.1');
    expect(decision.policy).toBe('any');
    expect(decision.windows.map((w) => [w.name, w.limit])).toEqual([
      ['key-1m', 5],
      ['ip-1h', 2],
    ]);
  });

  it('keeps the configured limits for keys without an override', async () => {
    harness = await openHarness(kind, { quotas });
    expect(await admitMany(harness.admission, keyRecord('plain'), '10.2.0.2', 4)).toBe(2);
  });

  it('can lift the IP limit for one key', async () => {
    harness = await openHarness(kind, { quotas });
    const office = keyRecord('office', { perKey: [{ limit: 10, window: 3_600_000 }], perIp: [{ limit: 10, window: 3_600_000 }] });
    expect(await admitMany(harness.admission, office, '10.2.0.3', 10)).toBe(10);
  });
});
