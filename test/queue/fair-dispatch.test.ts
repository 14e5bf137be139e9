import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { manualClock, job, Sandbox, storeKinds } from './queue-fixture.js';

let sandbox: Sandbox;
beforeEach(async () => (sandbox = await Sandbox.open()));
afterEach(() => sandbox.cleanup());

describe.each(storeKinds)('%s store: fair dispatch across keys', (kind) => {
  it('sends the single upload of a quiet key within the first few dispatches, behind a key with 1,000 queued', async () => {
    const clock = manualClock();
    const store = await sandbox.store(kind, clock);
    for (let i = 0; i < 1000; i++) await store.enqueue(job(`busy-${kind}`, clock()), 1);
    const quiet = job(`quiet-${kind}`, clock());
    await store.enqueue(quiet, 1);
    const firstIds: string[] = [];
    for (let i = 0; i < 3; i++) firstIds.push((await store.dequeue('lane1'))!.job.id);
    expect(firstIds).toContain(quiet.id);
  });

  it('gives keys shares in proportion to their weights and keeps each key in order', async () => {
    const clock = manualClock();
    const store = await sandbox.store(kind, clock);
    const heavy = `heavy-${kind}`;
    const light = `light-${kind}`;
    const enqueued: Record<string, string[]> = { [heavy]: [], [light]: [] };
    for (let i = 0; i < 40; i++) {
      for (const keyId of [heavy, light]) {
        const created = job(keyId, clock());
        enqueued[keyId]!.push(created.id);
        await store.enqueue(created, keyId === heavy ? 3 : 1);
      }
    }
    const served: Record<string, string[]> = { [heavy]: [], [light]: [] };
    for (let i = 0; i < 40; i++) {
      const leased = (await store.dequeue('lane1'))!;
      served[leased.job.keyId]!.push(leased.job.id);
    }
    expect(served[heavy]!.length).toBeGreaterThanOrEqual(29);
    expect(served[heavy]!.length).toBeLessThanOrEqual(31);
    expect(served[heavy]).toEqual(enqueued[heavy]!.slice(0, served[heavy]!.length));
    expect(served[light]).toEqual(enqueued[light]!.slice(0, served[light]!.length));
  });
});
