import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { job, manualClock, Sandbox } from '../queue/queue-fixture.js';

let sandbox: Sandbox;
beforeEach(async () => (sandbox = await Sandbox.open()));
afterEach(() => sandbox.cleanup());

describe('an enqueue that reaches Redis after its client may have been answered 503', () => {
  it('creates nothing, so that upload can never be delivered; one in time is created as usual', async () => {
    const clock = manualClock(Date.now());
    const store = await sandbox.store('redis', clock);
    const inTime = job('app', clock());
    expect(await store.enqueue(inTime, 1, { createWithinMs: 4_000 })).toMatchObject({ kind: 'created', job: { id: inTime.id } });

    // Sent 10 s ago by our clock (a stall held it back): its 4 s to be created were over before it ran.
    clock.advance(-10_000);
    const late = job('app', clock());
    expect(await store.enqueue(late, 1, { createWithinMs: 4_000 })).toEqual({ kind: 'refused' });
    expect(await store.get(late.id)).toBeUndefined();
    expect((await store.counts()).depth).toBe(1);
    // Without a deadline (the embedded store's callers, tests) the same call creates it.
    expect(await store.enqueue(late, 1)).toMatchObject({ kind: 'created' });
  });
});
