import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LeasedJob } from '../../src/queue/job-store.js';
import { job, manualClock, Sandbox, storeKinds, type StoreKind } from './queue-fixture.js';

let sandbox: Sandbox;
beforeEach(async () => (sandbox = await Sandbox.open()));
afterEach(() => sandbox.cleanup());

/**
 * The embedded store runs on the injected clock, moved by hand; Redis leases and delays run on
 * Redis's own clock (TIME), so there the test uses short real ones and waits for the dequeue.
 */
const leaseMs = { memory: 60_000, redis: 2_000 } satisfies Record<StoreKind, number>;
const backoffMs = { memory: 5_000, redis: 1_000 } satisfies Record<StoreKind, number>;

describe.each(storeKinds)('%s store: leases', (kind) => {
  const clock = manualClock();
  /** The next dequeue once `ms` have passed: moved by hand (memory), or polled for on Redis's clock. */
  async function dequeueAfter(store: Awaited<ReturnType<Sandbox['store']>>, ms: number, lane: string): Promise<LeasedJob | undefined> {
    if (kind === 'memory') {
      clock.advance(ms);
      return store.dequeue(lane);
    }
    let leased: LeasedJob | undefined;
    await expect.poll(async () => (leased = await store.dequeue(lane)), { timeout: 10_000, interval: 100 }).toBeDefined();
    return leased;
  }

  it('gives a job whose dispatcher vanished to the next dispatcher once its lease expires, at the head of its key', async () => {
    const store = await sandbox.store(kind, clock, { leaseMs: leaseMs[kind] });
    const first = job('app', clock());
    const second = job('app', clock());
    await store.enqueue(first, 1);
    await store.enqueue(second, 1);
    const lost = (await store.dequeue('lane1'))!;
    expect(lost.job.id).toBe(first.id);

    if (kind === 'memory') clock.advance(leaseMs.memory - 1);
    expect((await store.dequeue('lane1'))!.job.id).toBe(second.id);
    expect(await store.dequeue('lane1')).toBeUndefined();

    const retaken = (await dequeueAfter(store, 2, 'lane2'))!;
    expect(retaken.job).toMatchObject({ id: first.id, lane: 'lane2', attempts: 0 });
    // the vanished dispatcher can no longer put it back, but a result it brings still ends the job once
    expect(await store.requeue(lost, clock(), true)).toBe(false);
    expect(await store.finish(lost, { status: 'done', result: { id: 'x', link: 'https://i.test/x.png' } })).toBe(true);
    expect(await store.finish(retaken, { status: 'done', result: { id: 'y', link: 'https://i.test/y.png' } })).toBe(false);
    expect((await store.get(first.id))!.result?.id).toBe('x');
  });

  it('holds a retried job until its backoff is due, then serves it before the rest of its key', async () => {
    const store = await sandbox.store(kind, clock);
    const first = job('app', clock());
    const second = job('app', clock());
    await store.enqueue(first, 1);
    await store.enqueue(second, 1);
    const leased = (await store.dequeue('lane1'))!;
    expect(await store.requeue(leased, clock() + backoffMs[kind], true)).toBe(true);
    expect(await store.nextWorkAt()).toBe(0);
    expect((await store.dequeue('lane1'))!.job.id).toBe(second.id);
    // In this instance's clock, whichever clock the store keeps.
    const dueAt = (await store.nextWorkAt())!;
    expect(dueAt).toBeGreaterThan(clock() + backoffMs[kind] - 1_000);
    expect(dueAt).toBeLessThanOrEqual(clock() + backoffMs[kind]);
    expect(await store.dequeue('lane1')).toBeUndefined();
    expect((await dequeueAfter(store, backoffMs.memory, 'lane1'))!.job).toMatchObject({ id: first.id, attempts: 1 });
  });
});
