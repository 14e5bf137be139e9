import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { LaneBudget } from '../../src/upstream/lane-budget.js';
import { Sandbox, storeKinds } from '../queue/queue-fixture.js';

let sandbox: Sandbox;
beforeAll(async () => (sandbox = await Sandbox.open()));
afterAll(() => sandbox.cleanup());

const lane = (tag: string) => [{ id: 'a', clientId: `cred-${tag}`, localAddress: `addr-${tag}`, limits: [{ limit: 10, window: 10_000 }, { limit: 100, window: 3_600_000 }], clientLimits: [] }];

describe.each(storeKinds)('%s lane budget reconciled from upstream answers', (kind) => {
  it('spends no more than the upstream says is left in the matching window', async () => {
    const budget = new LaneBudget(lane(`tighten-${kind}`), await sandbox.backend(kind), systemClock);
    expect((await budget.reserve('a')).ok).toBe(true);
    await budget.reconcile('a', { address: { remaining: 2, resetAt: systemClock() + 8_000 } });
    const snapshot = await budget.snapshot({ id: 'a' });
    expect(snapshot.windows.find((w) => w.windowMs === 10_000)?.remaining).toBe(2);
    expect(snapshot.windows.find((w) => w.windowMs === 3_600_000)?.remaining).toBe(99);
    expect((await budget.reserve('a')).ok).toBe(true);
    expect((await budget.reserve('a')).ok).toBe(true);
    expect((await budget.reserve('a')).ok).toBe(false);
  });

  it('never loosens: a report of more room than we count changes nothing', async () => {
    const budget = new LaneBudget(lane(`loose-${kind}`), await sandbox.backend(kind), systemClock);
    for (let i = 0; i < 6; i++) await budget.reserve('a');
    await budget.reconcile('a', { address: { remaining: 9, resetAt: systemClock() + 9_000 } });
    expect((await budget.snapshot({ id: 'a' })).remaining).toBe(4);
  });

  it('keeps the window closed until the upstream reset when the upstream resets later than we would', async () => {
    const budget = new LaneBudget(lane(`extend-${kind}`), await sandbox.backend(kind), systemClock);
    await budget.reserve('a');
    await budget.reconcile('a', { address: { remaining: 0, resetAt: systemClock() + 1_800_000 } });
    const hour = (await budget.snapshot({ id: 'a' })).windows.find((w) => w.windowMs === 3_600_000)!;
    expect(hour.remaining).toBe(0);
    expect(hour.resetAt).toBeGreaterThanOrEqual(systemClock() + 1_790_000);
  });
});
