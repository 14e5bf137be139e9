import { afterEach, describe, expect, it } from 'vitest';
import { admitMany, keyRecord, openHarness, storeKinds, type Harness } from './support/harness.js';

describe.each(storeKinds)('usage views (%s store)', (kind) => {
  let harness: Harness;
  afterEach(() => harness.close());

  it('give back a refunded use to the key and the IP', async () => {
    harness = await openHarness(kind, { quotas: { perKey: [{ limit: 2, window: '1h' }], perIp: [{ limit: 5, window: '1h' }] } });
    const key = keyRecord('app');
    await admitMany(harness.admission, key, '10.8.0.1', 2);
    await harness.admission.refund(key, '10.8.0.1');
    expect((await harness.admission.usage(key, '10.8.0.1')).map((w) => w.used)).toEqual([1, 1]);
    expect((await harness.admission.admit(key, '10.8.0.1')).admitted).toBe(true);
  });

  it('rank the busiest client IPs first, with their windows', async () => {
    harness = await openHarness(kind, { quotas: { perKey: [{ limit: 100, window: '1h' }], perIp: [{ limit: 50, window: '1h' }] } });
    await admitMany(harness.admission, keyRecord('a'), '10.8.0.2', 2);
    await admitMany(harness.admission, keyRecord('b'), '2001:db8:1:2::/64', 5);
    await admitMany(harness.admission, keyRecord('a'), '10.8.0.3', 1);
    const top = await harness.admission.topIps(2);
    expect(top.map((entry) => [entry.ip, entry.windows[0]!.used])).toEqual([
      ['2001:db8:1:2::/64', 5],
      ['10.8.0.2', 2],
    ]);
  });
});
