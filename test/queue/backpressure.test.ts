import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/errors/catalogue.js';
import { job, lanesConfig, openQueue, queueConfig, Sandbox, ScriptedUpstream, storeKinds } from './queue-fixture.js';

let sandbox: Sandbox;
beforeEach(async () => (sandbox = await Sandbox.open()));
afterEach(() => sandbox.cleanup());

describe.each(storeKinds)('%s store: backpressure', (kind) => {
  it.each([
    ['jobs', { maxJobs: 3 }, 'jobs'],
    ['jobs per key', { maxJobsPerKey: 3 }, 'perKey'],
  ] as const)('refuses the upload past the %s limit', async (_name, limit, reported) => {
    const clock = () => 1_700_000_000_000;
    const store = await sandbox.store(kind, clock, limit);
    for (let i = 0; i < 3; i++) expect((await store.enqueue(job('app', clock()), 1)).kind).toBe('created');
    expect(await store.enqueue(job('app', clock()), 1)).toEqual({ kind: 'overloaded', limit: reported });
  });

  it('refuses the upload past the bytes limit', async () => {
    const clock = () => 1_700_000_000_000;
    const store = await sandbox.store(kind, clock, { maxBytes: 250 });
    await store.enqueue(job('app', clock(), { source: await sandbox.payload(kind, 1) }), 1);
    await store.enqueue(job('app', clock(), { source: await sandbox.payload(kind, 2) }), 1);
    expect(await store.enqueue(job('app', clock(), { source: await sandbox.payload(kind, 3) }), 1)).toEqual({ kind: 'overloaded', limit: 'bytes' });
  });

  it('answers 503/1020 with a Retry-After from the drain rate when the queue is full', async () => {
    const config = queueConfig({ queue: { maxJobs: 2 }, upstream: lanesConfig(1, '0/30s') });
    const queue = await openQueue(sandbox, kind, config, new ScriptedUpstream());
    const upload = (n: number) => ({ keyId: 'app', source: { kind: 'url' as const, url: `https://example.test/${n}.png` }, fields: {} });
    await queue.submit(upload(1), { waitMs: 0 });
    await queue.submit(upload(2), { waitMs: 0 });
    const refusal = await queue.submit(upload(3), { waitMs: 0 }).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(GatewayError);
    expect(refusal).toMatchObject({ code: 1020, status: 503 });
    expect((refusal as GatewayError).retryAfterSeconds).toBeGreaterThanOrEqual(1);
    await queue.stop(0);
  });
});
