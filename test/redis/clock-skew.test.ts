import { afterEach, describe, expect, it } from 'vitest';
import { keyRecord, openHarness, type Harness } from '../quota/support/harness.js';

describe('two gateway instances whose clocks differ by seconds', () => {
  const harnesses: Harness[] = [];
  afterEach(async () => {
    await Promise.all(harnesses.splice(0).map((harness) => harness.close()));
  });

  it('admit exactly the limit between them: windows run on Redis’s clock', async () => {
    const quotas = { perKey: [{ limit: 20, window: '10s' }], perIp: [{ limit: 20, window: '10s' }] };
    const ahead = await openHarness('redis', { quotas });
    const behind = await openHarness('redis', { quotas, store: { prefix: ahead.config.store.prefix } });
    harnesses.push(ahead, behind);
    // More than a window apart: on their own clocks, each would see the other's window as over.
    behind.clock.now = Date.now();
    ahead.clock.now = Date.now() + 11_000;

    const key = keyRecord('skewed');
    const decisions = await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 2 ? ahead : behind).admission.admit(key, '10.8.0.1')));
    expect(decisions.filter((decision) => decision.admitted)).toHaveLength(20);

    // Each is told when the window ends in its own clock: the same moment, 11 s apart on their faces.
    const [onAhead] = await ahead.admission.usage(key);
    const [onBehind] = await behind.admission.usage(key);
    expect(onAhead!.used).toBe(20);
    expect(onBehind!.used).toBe(20);
    expect(Math.abs(onAhead!.resetAt - onBehind!.resetAt - 11_000)).toBeLessThan(1_000);
    // And refused with the same Retry-After.
    const refusals = await Promise.all([ahead, behind].map((harness) => harness.admission.admit(key, '10.8.0.1')));
    expect(refusals.map((refusal) => refusal.admitted)).toEqual([false, false]);
    expect(Math.abs(refusals[0]!.retryAfterSeconds! - refusals[1]!.retryAfterSeconds!)).toBeLessThanOrEqual(1);
  });
});
