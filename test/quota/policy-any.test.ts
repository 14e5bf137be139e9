import { afterEach, describe, expect, it } from 'vitest';
import { admitMany, keyRecord, openHarness, storeKinds, type Harness } from './support/harness.js';

const quotas = { policy: 'any' as const, perKey: [{ limit: 2, window: '1h' }], perIp: [{ limit: 3, window: '1h' }] };

describe.each(storeKinds)('policy any (%s store)', (kind) => {
  let harness: Harness;
  afterEach(() => harness.close());

  it('keeps admitting past the key limit while the IP has room, and the key shows 0 remaining', async () => {
    harness = await openHarness(kind, { quotas });
    const key = keyRecord('shared-ip-app');
    expect(await admitMany(harness.admission, key, '10.1.0.1', 3)).toBe(3);
    const usage = await harness.admission.usage(key, '10.1.0.1');
    expect(usage.map((w) => [w.name, w.used, w.remaining])).toEqual([
      ['key-1h', 3, 0],
      ['ip-1h', 3, 0],
    ]);
  });

  it('rejects only when the key and the IP are both exhausted', async () => {
    harness = await openHarness(kind, { quotas });
    const key = keyRecord('shared-ip-app');
    await admitMany(harness.admission, key, '10.1.0.2', 3);
    const bothExhausted = await harness.admission.admit(key, '10.1.0.2');
    expect(bothExhausted.admitted).toBe(false);
    expect(bothExhausted.retryAfterSeconds).toBe(3600);
    // A new IP has room although the key has none.
    expect((await harness.admission.admit(key, '10.1.0.3')).admitted).toBe(true);
    // A new key has room although the IP has none.
    expect((await harness.admission.admit(keyRecord('other'), '10.1.0.2')).admitted).toBe(true);
  });
});

describe.each(storeKinds)('policy any without IP limits (%s store)', (kind) => {
  let harness: Harness;
  afterEach(() => harness.close());

  it('decides by the key’s limits alone', async () => {
    harness = await openHarness(kind, { quotas: { policy: 'any', perKey: [{ limit: 2, window: '1m' }], perIp: [] } });
    expect(await admitMany(harness.admission, keyRecord('app'), '10.1.1.1', 3)).toBe(2);
    expect((await harness.admission.admit(keyRecord('app'), '10.1.1.1')).retryAfterSeconds).toBe(60);
  });
});
