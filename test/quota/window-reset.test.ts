import { afterEach, describe, expect, it } from 'vitest';
import { admitMany, keyRecord, openHarness, storeKinds, type Harness } from './support/harness.js';

describe('fixed windows (memory store)', () => {
  let harness: Harness;
  afterEach(() => harness.close());

  // On the injected clock; Redis decides on its own clock, tested below with a short real window.
  it('start at the first use and admit again once they end', async () => {
    harness = await openHarness('memory', { quotas: { perKey: [{ limit: 2, window: '1m' }, { limit: 3, window: '1h' }], perIp: [] } });
    const key = keyRecord('app');
    const start = harness.clock.now;
    const first = await harness.admission.admit(key, '10.4.0.1');
    expect(first.windows.map((w) => w.resetAt)).toEqual([start + 60_000, start + 3_600_000]);

    harness.clock.advance(30_000);
    expect(await admitMany(harness.admission, key, '10.4.0.1', 2)).toBe(1);
    harness.clock.advance(29_999);
    expect((await harness.admission.admit(key, '10.4.0.1')).admitted).toBe(false);

    harness.clock.advance(1);
    const afterMinute = await harness.admission.admit(key, '10.4.0.1');
    expect(afterMinute.admitted).toBe(true);
    expect(afterMinute.windows.map((w) => [w.used, w.resetAt])).toEqual([
      [1, harness.clock.now + 60_000],
      [3, start + 3_600_000],
    ]);
    expect((await harness.admission.admit(key, '10.4.0.1')).retryAfterSeconds).toBe(3540);
  });
});

describe('fixed windows (redis store)', () => {
  let harness: Harness;
  afterEach(() => harness.close());

  it('start at the first use on Redis’s clock and admit again once they end', async () => {
    harness = await openHarness('redis', { quotas: { perKey: [{ limit: 2, window: '1500ms' }, { limit: 3, window: '1h' }], perIp: [] } });
    const key = keyRecord('app');
    const start = harness.clock.now;
    const first = await harness.admission.admit(key, '10.4.0.1');
    // Ends handed back in the caller's clock, however far Redis's is from it.
    const [short, long] = first.windows.map((w) => w.resetAt - start);
    expect(short).toBeGreaterThan(500);
    expect(short).toBeLessThanOrEqual(1_500);
    expect(long).toBeGreaterThan(3_599_000);
    expect(await admitMany(harness.admission, key, '10.4.0.1', 2)).toBe(1);
    // Until the short window ends on Redis's clock: refused (a refused attempt charges nothing), then admitted.
    await expect.poll(async () => (await harness.admission.admit(key, '10.4.0.1')).admitted, { timeout: 10_000, interval: 100 }).toBe(true);
    const refused = await harness.admission.admit(key, '10.4.0.1');
    expect(refused.admitted).toBe(false);
    expect(refused.windows.map((w) => w.used)).toEqual([1, 3]);
    expect(refused.retryAfterSeconds).toBeGreaterThan(3_590);
  });
});

describe.each(storeKinds)('fixed windows (%s store)', (kind) => {
  let harness: Harness;
  afterEach(() => harness.close());

  it('can be cleared for one key by an admin reset', async () => {
    harness = await openHarness(kind, { quotas: { perKey: [{ limit: 1, window: '1h' }], perIp: [] } });
    const key = keyRecord('app');
    await admitMany(harness.admission, key, '10.4.0.2', 1);
    await harness.admission.resetKey(key);
    expect((await harness.admission.admit(key, '10.4.0.2')).admitted).toBe(true);
  });
});
