import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../../src/clock.js';
import type { UpstreamImage } from '../../src/uploads/types.js';
import { LaneBudget, type Reservation } from '../../src/upstream/lane-budget.js';
import type { RateLimitObservation, UpstreamAnswer } from '../../src/upstream/types.js';
import { Sandbox } from '../queue/queue-fixture.js';
import { laneConfigs, manualClock } from './lane-fixture.js';

let sandbox: Sandbox;
beforeAll(async () => (sandbox = await Sandbox.open()));
afterAll(() => sandbox.cleanup());

const lane = (tag: string, limit: number, window: number) => laneConfigs([{ id: 'a', clientId: `cred-${tag}`, localAddress: `addr-${tag}`, limits: [{ limit, window }] }]);
const ok = (limits: RateLimitObservation = {}): UpstreamAnswer => ({ kind: 'ok', image: { id: 'x', link: 'l' } as UpstreamImage, limits });
const opened = (reservation: Reservation) => (reservation.ok ? reservation.opened : []);

describe('lane budget at window edges (embedded store, injected clock)', () => {
  it('holds our next window until one window after the answer to the upload that opened ours, then sends', async () => {
    const { at, clock } = manualClock();
    const budget = new LaneBudget(lane('edge', 2, 1_000), await sandbox.backend('memory'), clock);
    const first = await budget.reserve('a');
    expect(first.ok).toBe(true);
    at(400);
    // No headers at all: the upstream's (hidden) window opened when this upload reached it.
    await budget.reconcile('a', opened(first), ok());
    at(1_100);
    expect(await budget.reserve('a')).toEqual({ ok: false, retryInMs: 300 });
    at(1_400);
    expect((await budget.reserve('a')).ok).toBe(true);
  });

  it('holds the next window after an answer whose counters show its upload opened the upstream window (reset given as a length)', async () => {
    const { at, clock } = manualClock();
    const budget = new LaneBudget(lane('counters', 3, 1_000), await sandbox.backend('memory'), clock);
    await budget.reserve('a');
    at(250);
    await budget.reconcile('a', [], ok({ post: { limit: 3, remaining: 2, resetInMs: 1_000, exact: false } }));
    at(1_000);
    expect(await budget.reserve('a')).toEqual({ ok: false, retryInMs: 250 });
  });

  it('keeps the later hold when an older opening answer is reconciled after a newer one', async () => {
    const { at, clock } = manualClock();
    const budget = new LaneBudget(lane('max', 2, 1_000), await sandbox.backend('memory'), clock);
    await budget.reserve('a');
    at(500);
    await budget.reconcile('a', [], ok({ post: { limit: 2, remaining: 1, resetInMs: 1_000, exact: false } }));
    at(100);
    await budget.reconcile('a', [], ok({ post: { limit: 2, remaining: 1, resetInMs: 1_000, exact: false } }));
    at(1_200);
    expect(await budget.reserve('a')).toEqual({ ok: false, retryInMs: 300 });
  });

  it('holds from the first upload the upstream accepted when the one that opened our window was answered 403', async () => {
    const { at, clock } = manualClock();
    const budget = new LaneBudget(lane('first-accepted', 3, 1_000), await sandbox.backend('memory'), clock);
    const first = await budget.reserve('a');
    at(100);
    await budget.reconcile('a', opened(first), { kind: 'retryable', message: 'Imgur is temporarily over capacity. Please try again later.', timeout: false, limits: {} });
    at(200);
    const second = await budget.reserve('a');
    at(500);
    await budget.reconcile('a', opened(second), ok());
    at(1_200);
    expect(await budget.reserve('a')).toEqual({ ok: false, retryInMs: 300 });
  });

  it('counts an upload sent in the last tenth of our window in our next window too (it may land in the upstream\'s next one)', async () => {
    const { at, clock } = manualClock();
    const budget = new LaneBudget(lane('carry', 10, 1_000), await sandbox.backend('memory'), clock);
    await budget.reserve('a');
    at(500);
    await budget.reserve('a');
    at(950);
    await budget.reserve('a');
    at(1_000);
    expect((await budget.reserve('a')).ok).toBe(true);
    expect((await budget.snapshot({ id: 'a' })).windows[0]!.remaining).toBe(8);
  });

  it('keeps sending inside a window stretched to the upstream\'s rounded reset', async () => {
    const { at, clock } = manualClock();
    const budget = new LaneBudget(lane('stretched', 5, 4_000), await sandbox.backend('memory'), clock);
    const first = await budget.reserve('a');
    at(100);
    await budget.reconcile('a', opened(first), ok({ post: { limit: 5, remaining: 4, resetInMs: 5_000, exact: true } }));
    at(200);
    expect((await budget.reserve('a')).ok).toBe(true);
  });
});

describe('lane budget window edges shared by gateway instances on one Redis (Redis time, a real short window)', () => {
  it('holds the next window on one instance after another instance saw the opening answer', async () => {
    const config = lane('instances', 2, 600);
    const one = new LaneBudget(config, await sandbox.backend('redis'), systemClock);
    const two = new LaneBudget(config, await sandbox.backend('redis'), systemClock);
    const first = await one.reserve('a');
    await new Promise((resolve) => setTimeout(resolve, 200));
    await one.reconcile('a', opened(first), ok());
    const answeredAt = Date.now();
    // Our window ends ~600 ms after the reservation; the hold lasts until ~600 ms after the answer.
    await vi.waitFor(async () => expect((await two.snapshot({ id: 'a' })).windows[0]!.remaining).toBe(2), { timeout: 5_000, interval: 10 });
    const held = await two.reserve('a');
    if (Date.now() < answeredAt + 550) {
      expect(held.ok).toBe(false);
      expect(held.ok === false && held.retryInMs).toBeLessThanOrEqual(600);
    }
    await vi.waitFor(async () => expect((await two.reserve('a')).ok).toBe(true), { timeout: 5_000, interval: 20 });
    expect(Date.now()).toBeGreaterThanOrEqual(answeredAt + 550);
  });
});
