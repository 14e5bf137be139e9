import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { job, manualClock, Sandbox, storeKinds } from './queue-fixture.js';

let sandbox: Sandbox;
beforeEach(async () => (sandbox = await Sandbox.open()));
afterEach(() => sandbox.cleanup());

describe.each(storeKinds)('%s store: repeated uploads', (kind) => {
  it('returns the existing job for a repeated Idempotency-Key of the same key only', async () => {
    const clock = manualClock();
    const store = await sandbox.store(kind, clock);
    const first = await store.enqueue(job('app', clock(), { idempotencyKey: 'req-1' }), 1);
    const again = await store.enqueue(job('app', clock(), { idempotencyKey: 'req-1' }), 1);
    const otherKey = await store.enqueue(job('other', clock(), { idempotencyKey: 'req-1' }), 1);
    expect(first.kind).toBe('created');
    expect(again).toMatchObject({ kind: 'existing', job: { id: first.kind === 'created' ? first.job.id : '' } });
    expect(otherKey.kind).toBe('created');
    expect((await store.counts()).depth).toBe(2);
  });

  it('returns the earlier job for identical bytes from the same key, and a new one once it failed', async () => {
    const clock = manualClock();
    const store = await sandbox.store(kind, clock);
    const payload = await sandbox.payload(kind, 7);
    const first = await store.enqueue(job('app', clock(), { source: payload }), 1);
    const same = await store.enqueue(job('app', clock(), { source: payload }), 1);
    expect(same.kind).toBe('existing');
    expect('job' in same && 'job' in first && same.job.id === first.job.id).toBe(true);
    const leased = (await store.dequeue('lane1'))!;
    await store.finish(leased, { status: 'failed', error: { kind: 'upstreamFailed', code: 1021, status: 502, message: 'no' } });
    expect((await store.enqueue(job('app', clock(), { source: payload }), 1)).kind).toBe('created');
  });

  it('forgets a cut-through claim undone after its admission refused it: a retry is a new upload', async () => {
    const clock = manualClock();
    const store = await sandbox.store(kind, clock);
    const payload = await sandbox.payload(kind, 9);
    const refused = job('app', clock(), { source: payload, idempotencyKey: 'req-9' });
    expect(await store.claimDirect(refused)).toEqual({ kind: 'claimed' });
    // While claimed, a repeat (same Idempotency-Key, or same bytes) finds it.
    expect((await store.claimDirect(job('app', clock(), { source: payload }))).kind).toBe('existing');
    expect(await store.dropDirect(refused)).toBe(true);
    expect(await store.get(refused.id)).toBeUndefined();
    expect(await store.dropDirect(refused)).toBe(false);
    expect(await store.claimDirect(job('app', clock(), { source: payload, idempotencyKey: 'req-9' }))).toEqual({ kind: 'claimed' });
  });

  it('keeps identical bytes from different keys as separate jobs', async () => {
    const clock = manualClock();
    const store = await sandbox.store(kind, clock);
    const payload = await sandbox.payload(kind, 7);
    await store.enqueue(job('app', clock(), { source: payload }), 1);
    expect((await store.enqueue(job('other', clock(), { source: payload }), 1)).kind).toBe('created');
  });
});
