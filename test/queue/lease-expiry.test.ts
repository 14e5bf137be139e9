import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultLimits, job, manualClock, Sandbox, storeKinds } from './queue-fixture.js';

let sandbox: Sandbox;
beforeEach(async () => (sandbox = await Sandbox.open()));
afterEach(() => sandbox.cleanup());

describe.each(storeKinds)('%s store: leases', (kind) => {
  it('gives a job whose dispatcher vanished to the next dispatcher once its lease expires, at the head of its key', async () => {
    const clock = manualClock();
    const store = await sandbox.store(kind, clock);
    const first = job('app', clock());
    const second = job('app', clock());
    await store.enqueue(first, 1);
    await store.enqueue(second, 1);
    const lost = (await store.dequeue('lane1'))!;
    expect(lost.job.id).toBe(first.id);

    clock.advance(defaultLimits.leaseMs - 1);
    expect((await store.dequeue('lane1'))!.job.id).toBe(second.id);
    expect(await store.dequeue('lane1')).toBeUndefined();

    clock.advance(2);
    const retaken = (await store.dequeue('lane2'))!;
    expect(retaken.job).toMatchObject({ id: first.id, lane: 'lane2', attempts: 0 });
    // the vanished dispatcher can no longer put it back, but a result it brings still ends the job once
    expect(await store.requeue(lost, clock(), true)).toBe(false);
    expect(await store.finish(lost, { status: 'done', result: { id: 'x', link: 'https://i.test/x.png' } })).toBe(true);
    expect(await store.finish(retaken, { status: 'done', result: { id: 'y', link: 'https://i.test/y.png' } })).toBe(false);
    expect((await store.get(first.id))!.result?.id).toBe('x');
  });

  it('holds a retried job until its backoff is due, then serves it before the rest of its key', async () => {
    const clock = manualClock();
    const store = await sandbox.store(kind, clock);
    const first = job('app', clock());
    const second = job('app', clock());
    await store.enqueue(first, 1);
    await store.enqueue(second, 1);
    const leased = (await store.dequeue('lane1'))!;
    expect(await store.requeue(leased, clock() + 5_000, true)).toBe(true);
    expect(await store.nextWorkAt()).toBe(0);
    expect((await store.dequeue('lane1'))!.job.id).toBe(second.id);
    expect(await store.nextWorkAt()).toBe(clock() + 5_000);
    expect(await store.dequeue('lane1')).toBeUndefined();
    clock.advance(5_000);
    expect((await store.dequeue('lane1'))!.job).toMatchObject({ id: first.id, attempts: 1 });
  });
});
