import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import type { UpstreamImage } from '../../src/uploads/types.js';
import { LaneBudget } from '../../src/upstream/lane-budget.js';
import type { RateLimitObservation, UpstreamAnswer } from '../../src/upstream/types.js';
import { Sandbox, storeKinds } from '../queue/queue-fixture.js';
import { laneConfigs, manualClock } from './lane-fixture.js';

let sandbox: Sandbox;
beforeAll(async () => (sandbox = await Sandbox.open()));
afterAll(() => sandbox.cleanup());

const ok = (limits: RateLimitObservation): UpstreamAnswer => ({ kind: 'ok', image: { id: 'x', link: 'l' } as UpstreamImage, limits });
const lane = (tag: string, limits = [{ limit: 10, window: '10s' }, { limit: 100, window: '1h' }]) => laneConfigs([{ id: 'a', clientId: `cred-${tag}`, localAddress: `addr-${tag}`, limits }]);
const hour = 3_600_000;

async function grantedInARow(budget: LaneBudget, most = 100): Promise<number> {
  for (let i = 0; i < most; i++) if (!(await budget.reserve('a')).ok) return i;
  return most;
}

describe.each(storeKinds)('%s lane budget reconciled from upstream answers', (kind) => {
  it('spends no more than the upstream says is left in the window of ours it reports on', async () => {
    const budget = new LaneBudget(lane(`tighten-${kind}`), await sandbox.backend(kind), systemClock);
    expect((await budget.reserve('a')).ok).toBe(true);
    await budget.reconcile('a', [], ok({ post: { limit: 10, remaining: 2, resetInMs: 8_000, exact: true } }));
    const snapshot = await budget.snapshot({ id: 'a' });
    expect(snapshot.windows.find((w) => w.windowMs === 10_000)?.remaining).toBe(2);
    expect(snapshot.windows.find((w) => w.windowMs === hour)?.remaining).toBe(99);
    expect(await grantedInARow(budget)).toBe(2);
  });

  it('never loosens: a report of more room than we count changes nothing', async () => {
    const budget = new LaneBudget(lane(`loose-${kind}`), await sandbox.backend(kind), systemClock);
    for (let i = 0; i < 6; i++) await budget.reserve('a');
    await budget.reconcile('a', [], ok({ post: { limit: 10, remaining: 9, resetInMs: 9_000, exact: true } }));
    expect((await budget.snapshot({ id: 'a' })).remaining).toBe(4);
  });

  it('waits for a short upstream window we do not count until ITS reset, leaving our hour alone (issue 11)', async () => {
    const budget = new LaneBudget(lane(`short-${kind}`, [{ limit: 50, window: '1h' }, { limit: 200, window: '1d' }]), await sandbox.backend(kind), systemClock);
    for (let i = 0; i < 5; i++) await budget.reserve('a');
    await budget.reconcile('a', [], ok({ post: { limit: 5, remaining: 0, resetInMs: 10_000, exact: true } }));
    const refused = await budget.reserve('a');
    expect(refused.ok).toBe(false);
    expect(refused.ok === false && refused.retryInMs).toBeGreaterThan(8_000);
    expect(refused.ok === false && refused.retryInMs).toBeLessThanOrEqual(10_000);
    const windows = (await budget.snapshot({ id: 'a' })).windows;
    expect(windows.find((w) => w.windowMs === hour)?.remaining).toBe(45);
    expect(windows.find((w) => w.learned === 'post:5')).toMatchObject({ limit: 5, remaining: 0, windowMs: 10_000 });
  });

  it('counts the forwards still in flight in a window it learns from the first answer, so none is sent past it', async () => {
    const budget = new LaneBudget(lane(`burst-${kind}`, [{ limit: 50, window: '1h' }]), await sandbox.backend(kind), systemClock);
    for (let i = 0; i < 8; i++) expect((await budget.reserve('a')).ok).toBe(true);
    // The first of 8 answers says 4 are left; the 7 still in flight may be among them.
    await budget.reconcile('a', [], ok({ post: { limit: 5, remaining: 4, resetInMs: 10_000, exact: true } }));
    expect((await budget.reserve('a')).ok).toBe(false);
    expect((await budget.snapshot({ id: 'a' })).windows.find((w) => w.learned === 'post:5')?.remaining).toBe(0);
  });

  it('takes a percentage credit reserve of the limit the upstream reports, so a lower limit never blocks the lane', async () => {
    // Imgur's defaults: 12,500 credits a day, uploads cost 10, 2% kept (250 of the configured limit).
    const budget = new LaneBudget(lane(`reserve-${kind}`, [{ limit: 1_000, window: '1h' }]), await sandbox.backend(kind), systemClock);
    expect((await budget.reserve('a')).ok).toBe(true);
    // The credential really has 200 credits: 2% of them (4) is kept, not 250.
    await budget.reconcile('a', [], ok({ client: { limit: 200, remaining: 190, resetInMs: 86_400_000, exact: false } }));
    const credits = (await budget.snapshot({ id: 'a' })).credits!;
    expect(credits).toMatchObject({ limit: 200, reserve: 4 });
    // (190 - 4) / 10 = 18 more uploads.
    expect(await grantedInARow(budget)).toBe(18);
  });

  it('bounds the lane by a report without a limit only until its reset', async () => {
    const budget = new LaneBudget(lane(`bound-${kind}`), await sandbox.backend(kind), systemClock);
    await budget.reserve('a');
    await budget.reconcile('a', [], ok({ post: { remaining: 3, resetInMs: hour / 2, exact: true } }));
    expect(await grantedInARow(budget)).toBe(3);
    const refused = await budget.reserve('a');
    expect(refused.ok === false && refused.retryInMs).toBeLessThanOrEqual(hour / 2);
    expect((await budget.snapshot({ id: 'a' })).windows.find((w) => w.windowMs === hour)?.remaining).toBe(96);
  });
});

describe('lane budget learning an upstream window (embedded store, injected clock)', () => {
  it('sends exactly the upstream limit in each of its windows once it has seen one, and waits no longer than its reset', async () => {
    const { clock, at } = manualClock();
    const budget = new LaneBudget(lane('learned', [{ limit: 50, window: '1h' }]), await sandbox.backend('memory'), clock);
    const first = await budget.reserve('a');
    await budget.reconcile('a', first.ok ? first.opened : [], ok({ post: { limit: 5, remaining: 4, resetInMs: 10_000, exact: true } }));
    expect(await grantedInARow(budget)).toBe(4);
    at(9_000);
    expect(await budget.reserve('a')).toEqual({ ok: false, retryInMs: 1_000 });
    at(10_000);
    expect(await grantedInARow(budget)).toBe(5);
    expect(await budget.reserve('a')).toEqual({ ok: false, retryInMs: 10_000 });
  });

  it('takes a reset that is the window length as a bound, never pushing the window out on each answer', async () => {
    const { clock, at } = manualClock();
    const budget = new LaneBudget(lane('length', [{ limit: 50, window: '1h' }]), await sandbox.backend('memory'), clock);
    await budget.reserve('a');
    await budget.reconcile('a', [], ok({ user: { limit: 40, remaining: 30, resetInMs: 60_000, exact: false } }));
    at(30_000);
    await budget.reserve('a');
    await budget.reconcile('a', [], ok({ user: { limit: 40, remaining: 20, resetInMs: 60_000, exact: false } }));
    const user = (await budget.snapshot({ id: 'a' })).windows.find((w) => w.learned === 'user:40')!;
    expect(user).toMatchObject({ limit: 4, remaining: 2 });
    expect(user.resetAt).toBe(clock() + 30_000);
  });
});
