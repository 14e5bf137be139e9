import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { LaneBudget } from '../../src/upstream/lane-budget.js';
import { Sandbox, storeKinds } from '../queue/queue-fixture.js';

let sandbox: Sandbox;
beforeAll(async () => (sandbox = await Sandbox.open()));
afterAll(() => sandbox.cleanup());

const lane = (tag: string, limit: number, window: number) => [{ id: 'a', clientId: `cred-${tag}`, localAddress: `addr-${tag}`, limits: [{ limit, window }], clientLimits: [] }];

/**
 * The gateway's clock is injected; rate-limiter-flexible counts windows in real time, so a test
 * waits (polling, not sleeping) for a 1 s window of ours to end, then sets the clock where it wants.
 */
function fakeClock() {
  const t0 = Date.now();
  let offset = 0;
  return { t0, at: (ms: number) => (offset = ms), clock: () => t0 + offset };
}

async function windowEnded(budget: LaneBudget, limit: number): Promise<void> {
  await vi.waitFor(async () => expect((await budget.snapshot({ id: 'a' })).remaining).toBe(limit), { timeout: 5_000, interval: 20 });
}

describe.each(storeKinds)('%s lane budget at window edges', (kind) => {
  it('holds our next window until one window after the answer that opened the upstream window, then sends', async () => {
    const { t0, at, clock } = fakeClock();
    const budget = new LaneBudget(lane(`edge-${kind}`, 2, 1_000), await sandbox.backend(kind), clock);
    expect(await budget.reserve('a')).toEqual({ ok: true });
    at(400);
    await budget.reconcile('a', { address: { limit: 2, remaining: 1, resetAt: t0 + 1_400 } });
    await windowEnded(budget, 2);
    at(1_100);
    expect(await budget.reserve('a')).toEqual({ ok: false, retryInMs: 300 });
    at(1_400);
    expect(await budget.reserve('a')).toEqual({ ok: true });
  });

  it('judges an answer without a reported limit against the configured one', async () => {
    const { t0, at, clock } = fakeClock();
    const budget = new LaneBudget(lane(`nolimit-${kind}`, 3, 1_000), await sandbox.backend(kind), clock);
    await budget.reserve('a');
    at(250);
    await budget.reconcile('a', { address: { remaining: 2, resetAt: t0 + 1_250 } });
    await windowEnded(budget, 3);
    at(1_000);
    expect(await budget.reserve('a')).toEqual({ ok: false, retryInMs: 250 });
  });

  it('keeps the later hold when an older opening answer is reconciled after a newer one', async () => {
    const { t0, at, clock } = fakeClock();
    const budget = new LaneBudget(lane(`max-${kind}`, 2, 1_000), await sandbox.backend(kind), clock);
    await budget.reserve('a');
    at(500);
    await budget.reconcile('a', { address: { limit: 2, remaining: 1, resetAt: t0 + 1_500 } });
    at(100);
    await budget.reconcile('a', { address: { limit: 2, remaining: 1, resetAt: t0 + 1_100 } });
    await windowEnded(budget, 2);
    at(1_200);
    expect(await budget.reserve('a')).toEqual({ ok: false, retryInMs: 300 });
  });

  it('does not hold anything after an answer from a window the upload did not open', async () => {
    const { t0, at, clock } = fakeClock();
    const budget = new LaneBudget(lane(`midwindow-${kind}`, 3, 1_000), await sandbox.backend(kind), clock);
    await budget.reserve('a');
    await budget.reserve('a');
    at(300);
    await budget.reconcile('a', { address: { limit: 3, remaining: 1, resetAt: t0 + 1_000 } });
    await windowEnded(budget, 3);
    at(600);
    expect(await budget.reserve('a')).toEqual({ ok: true });
  });

  it('lets reservations inside an open window through after the opening answer', async () => {
    const { t0, clock } = fakeClock();
    const budget = new LaneBudget(lane(`inside-${kind}`, 3, 10_000), await sandbox.backend(kind), clock);
    expect(await budget.reserve('a')).toEqual({ ok: true });
    await budget.reconcile('a', { address: { limit: 3, remaining: 2, resetAt: t0 + 10_000 } });
    expect(await budget.reserve('a')).toEqual({ ok: true });
    expect(await budget.reserve('a')).toEqual({ ok: true });
    expect((await budget.reserve('a')).ok).toBe(false);
  });
  it('keeps sending inside a window stretched to the upstream\'s rounded reset', async () => {
    const { t0, at, clock } = fakeClock();
    const budget = new LaneBudget(lane(`stretched-${kind}`, 5, 4_000), await sandbox.backend(kind), clock);
    expect(await budget.reserve('a')).toEqual({ ok: true });
    at(100);
    // The upload opened the upstream's window; its reset comes rounded up, a second past ours.
    await budget.reconcile('a', { address: { limit: 5, remaining: 4, resetAt: t0 + 5_099 } });
    at(200);
    expect(await budget.reserve('a')).toEqual({ ok: true });
  });
});

describe('lane budget window edges shared by gateway instances on one Redis', () => {
  it('holds the next window on one instance after another instance saw the opening answer', async () => {
    const { t0, at, clock } = fakeClock();
    const config = lane('instances', 2, 1_000);
    const one = new LaneBudget(config, await sandbox.backend('redis'), clock);
    const two = new LaneBudget(config, await sandbox.backend('redis'), clock);
    expect(await one.reserve('a')).toEqual({ ok: true });
    at(400);
    await one.reconcile('a', { address: { limit: 2, remaining: 1, resetAt: t0 + 1_400 } });
    await windowEnded(two, 2);
    at(1_100);
    expect(await two.reserve('a')).toEqual({ ok: false, retryInMs: 300 });
    at(1_400);
    expect(await two.reserve('a')).toEqual({ ok: true });
  });

  it('refuses every reservation of the next window made at the same instant on either instance, not just the first', async () => {
    const { t0, at, clock } = fakeClock();
    const config = lane('same-instant', 4, 1_000);
    const one = new LaneBudget(config, await sandbox.backend('redis'), clock);
    const two = new LaneBudget(config, await sandbox.backend('redis'), clock);
    expect(await one.reserve('a')).toEqual({ ok: true });
    at(300);
    await one.reconcile('a', { address: { limit: 4, remaining: 3, resetAt: t0 + 1_300 } });
    await windowEnded(two, 4);
    at(1_100);
    const reservations = await Promise.all([one.reserve('a'), two.reserve('a'), one.reserve('a'), two.reserve('a')]);
    expect(reservations).toEqual(Array(4).fill({ ok: false, retryInMs: 200 }));
  });
});
