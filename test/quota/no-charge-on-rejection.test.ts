import { afterEach, describe, expect, it } from 'vitest';
import { admitMany, keyRecord, openHarness, storeKinds, type Harness } from './support/harness.js';

describe.each(storeKinds)('rejected requests (%s store)', (kind) => {
  let harness: Harness;
  afterEach(() => harness.close());

  it('charge no counter: the key’s other windows and the IP stay as they were', async () => {
    harness = await openHarness(kind, {
      quotas: { perKey: [{ limit: 2, window: '1m' }, { limit: 100, window: '1d' }], perIp: [{ limit: 100, window: '1h' }] },
    });
    const key = keyRecord('app');
    await admitMany(harness.admission, key, '10.3.0.1', 2);
    const before = await harness.admission.usage(key, '10.3.0.1');
    for (let i = 0; i < 5; i++) expect((await harness.admission.admit(key, '10.3.0.1')).admitted).toBe(false);
    const after = await harness.admission.usage(key, '10.3.0.1');
    // Counts unchanged; window ends too (in Redis they are read on its clock, so within a few ms).
    expect(after.map((w) => [w.used, w.remaining])).toEqual(before.map((w) => [w.used, w.remaining]));
    after.forEach((w, i) => expect(Math.abs(w.resetAt - before[i]!.resetAt)).toBeLessThan(1_000));
    expect(after.map((w) => w.used)).toEqual([2, 2, 2]);
  });

  it('leave a fresh IP uncounted when the key is what ran out', async () => {
    harness = await openHarness(kind, { quotas: { perKey: [{ limit: 1, window: '1h' }], perIp: [{ limit: 5, window: '1h' }] } });
    const key = keyRecord('app');
    await admitMany(harness.admission, key, '10.3.0.2', 1);
    expect((await harness.admission.admit(key, '10.3.0.3')).admitted).toBe(false);
    const ip = await harness.admission.usage(keyRecord('other'), '10.3.0.3');
    expect(ip.find((w) => w.scope === 'ip')?.used).toBe(0);
  });
});
