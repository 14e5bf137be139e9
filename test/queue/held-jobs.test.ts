import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { job, manualClock, Sandbox, storeKinds } from './queue-fixture.js';

let sandbox: Sandbox;
beforeEach(async () => (sandbox = await Sandbox.open()));
afterEach(() => sandbox.cleanup());

describe.each(storeKinds)('%s store: jobs held for another upstream', (kind) => {
  it('keeps a held job queued and counted but never leased, until released to the new upstream', async () => {
    const clock = manualClock();
    const store = await sandbox.store(kind, clock);
    const held = { ...job('app', clock()), upstream: 'http://old.test' };
    const other = job('app', clock());
    await store.enqueue(held, 1);
    await store.enqueue(other, 1);

    const leased = (await store.dequeue('lane1'))!;
    expect(leased.job.id).toBe(held.id);
    expect(await store.hold(leased)).toBe(true);
    expect(await store.hold(leased)).toBe(false);
    expect(await store.counts()).toMatchObject({ depth: 2, held: 1, active: 0 });
    expect((await store.get(held.id))!).toMatchObject({ status: 'queued', held: true });
    expect((await store.list({ status: 'queued', limit: 10 })).map((j) => j.id).sort()).toEqual([held.id, other.id].sort());

    expect((await store.dequeue('lane1'))!.job.id).toBe(other.id);
    expect(await store.dequeue('lane1')).toBeUndefined();

    expect(await store.releaseHeld('http://new.test')).toBe(1);
    expect(await store.releaseHeld('http://new.test')).toBe(0);
    const again = (await store.dequeue('lane1'))!;
    expect(again.job).toMatchObject({ id: held.id, upstream: 'http://new.test' });
    expect(again.job.held).toBeUndefined();
    expect((await store.counts()).held).toBe(0);
  });
});
