import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { LaneBudget } from '../../src/upstream/lane-budget.js';
import { Sandbox, storeKinds } from '../queue/queue-fixture.js';

let sandbox: Sandbox;
beforeAll(async () => (sandbox = await Sandbox.open()));
afterAll(() => sandbox.cleanup());

// Regression (found end to end, test/e2e/kill-during-drain): an upstream hour with plenty left
// held a lane's 2 s window open for the hour, so the lane sent 10 uploads an hour instead of 10 per 2 s.
const lane = (tag: string) => [{ id: 'a', clientId: `cred-${tag}`, localAddress: `addr-${tag}`, limits: [{ limit: 10, window: 2_000 }], clientLimits: [] }];

describe.each(storeKinds)('%s lane budget against an upstream window longer than its own', (kind) => {
  it('keeps its own short window while the upstream window has more left than it', async () => {
    const budget = new LaneBudget(lane(`roomy-${kind}`), await sandbox.backend(kind), systemClock);
    await budget.reserve('a');
    await budget.reconcile('a', { address: { remaining: 990, resetAt: systemClock() + 3_600_000 } });
    const [window] = (await budget.snapshot({ id: 'a' })).windows;
    expect(window!.remaining).toBe(9);
    expect(window!.resetAt).toBeLessThan(systemClock() + 10_000);
  });

  it('holds what the upstream has left until its reset once that is less than its own limit', async () => {
    const budget = new LaneBudget(lane(`scarce-${kind}`), await sandbox.backend(kind), systemClock);
    await budget.reserve('a');
    await budget.reconcile('a', { address: { remaining: 3, resetAt: systemClock() + 3_600_000 } });
    const [window] = (await budget.snapshot({ id: 'a' })).windows;
    expect(window!.remaining).toBe(3);
    expect(window!.resetAt).toBeGreaterThan(systemClock() + 3_500_000);
  });
});
