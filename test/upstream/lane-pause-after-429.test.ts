import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { LaneBudget } from '../../src/upstream/lane-budget.js';
import { Sandbox, storeKinds } from '../queue/queue-fixture.js';

let sandbox: Sandbox;
beforeAll(async () => (sandbox = await Sandbox.open()));
afterAll(() => sandbox.cleanup());

describe.each(storeKinds)('%s lane budget after an upstream 429', (kind) => {
  it('pauses only the lanes on that egress address until the reset', async () => {
    const limits = [{ limit: 50, window: 10_000 }];
    const budget = new LaneBudget(
      [
        { id: 'a', clientId: 'x', localAddress: `p-${kind}-1`, limits, clientLimits: [] },
        { id: 'b', clientId: 'y', localAddress: `p-${kind}-1`, limits, clientLimits: [] },
        { id: 'c', clientId: 'z', localAddress: `p-${kind}-2`, limits, clientLimits: [] },
      ],
      await sandbox.backend(kind),
      systemClock,
    );
    const until = await budget.pause('a');
    expect(until).toBeGreaterThan(systemClock() + 5_000);
    expect(await budget.reserve('a')).toMatchObject({ ok: false });
    expect(await budget.reserve('b')).toMatchObject({ ok: false });
    expect(await budget.reserve('c')).toMatchObject({ ok: true });
    const snapshot = await budget.snapshot({ id: 'a', localAddress: `p-${kind}-1` });
    expect(snapshot.remaining).toBe(0);
    expect(snapshot.pausedUntil).toBeGreaterThan(systemClock());
    expect((await budget.snapshot({ id: 'c' })).pausedUntil).toBeUndefined();
  });
});
