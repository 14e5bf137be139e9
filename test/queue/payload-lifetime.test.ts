import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StoredError } from '../../src/queue/job-record.js';
import { RedisKeys } from '../../src/redis/keys.js';
import { stagingTtlMs } from '../../src/store/redis-payload-lifetime.js';
import { keysUnder } from '../support/redis.js';
import { defaultLimits, job, manualClock, Sandbox } from './queue-fixture.js';
import { eventually } from '../support/eventually.js';

let sandbox: Sandbox;
beforeEach(async () => (sandbox = await Sandbox.open()));
afterEach(() => sandbox.cleanup());

const corrupt: StoredError = { kind: 'upstreamFailed', code: 1021, status: 502, message: 'Image is corrupt' };

describe('redis store: how long a payload lives', () => {
  const chunks = () => keysUnder(sandbox.redis, `${sandbox.prefix}payload:`);
  const ttls = async (keys: string[]) => Promise.all(keys.map((key) => sandbox.redis.pttl(key)));
  const meta = (ref: string) => new RedisKeys(sandbox.prefix).payloadMeta(ref);

  it('renews the chunks of a queued job’s payload past their staging TTL, and deletes them when it is done', async () => {
    const clock = manualClock();
    const store = await sandbox.store('redis', clock);
    const source = await sandbox.payload('redis', 1, 300_000);
    expect(await sandbox.redis.pttl(meta(source.ref))).toBeGreaterThan(0);
    await store.enqueue(job('app', clock(), { source }), 1);
    expect(await sandbox.redis.pttl(meta(source.ref))).toBe(-1);
    // Two chunks (300 KB), each renewed for the lease, far past the staging TTL they were written with.
    await eventually(async () => ttls(await chunks()), (left) => left.length === 2 && left.every((ttl) => ttl > stagingTtlMs));

    await store.finish((await store.dequeue('lane1'))!, { status: 'done', result: { id: 'x', link: 'https://i.example/x.png' } });
    expect(await chunks()).toEqual([]);
    expect(await sandbox.redis.exists(meta(source.ref))).toBe(0);
  });

  it('keeps a failed job’s payload as long as its record, and a purge lets it go', async () => {
    const clock = manualClock();
    const store = await sandbox.store('redis', clock);
    const source = await sandbox.payload('redis', 2);
    const created = await store.enqueue(job('app', clock(), { source }), 1);
    await store.finish((await store.dequeue('lane1'))!, { status: 'failed', error: corrupt });
    const record = await sandbox.redis.pttl(new RedisKeys(sandbox.prefix).queueJob('job' in created ? created.job.id : ''));
    const kept = await sandbox.redis.pttl(meta(source.ref));
    expect(kept).toBeGreaterThan(0);
    expect(Math.abs(kept - record)).toBeLessThan(1_000);
    for (const ttl of await ttls(await chunks())) expect(ttl).toBeLessThanOrEqual(defaultLimits.resultTtlMs + 5_000);

    expect(await store.removeFinished('job' in created ? created.job.id : '')).toBe(true);
    expect(await chunks()).toEqual([]);
    expect(await sandbox.redis.exists(meta(source.ref))).toBe(0);
  });

  it('never frees a payload a live job shares with a failed one, whatever is purged first', async () => {
    const clock = manualClock();
    const store = await sandbox.store('redis', clock);
    const source = await sandbox.payload('redis', 3);
    const failing = await store.enqueue(job('app', clock(), { source }), 1);
    await store.finish((await store.dequeue('lane1'))!, { status: 'failed', error: corrupt });
    // Identical bytes from another key: a job of its own, sharing the stored payload.
    await sandbox.payload('redis', 3);
    await store.enqueue(job('other', clock(), { source }), 1);
    expect(await store.removeFinished('job' in failing ? failing.job.id : '')).toBe(true);
    expect(await sandbox.redis.pttl(meta(source.ref))).toBe(-1);
    expect(await chunks()).toHaveLength(1);

    await store.finish((await store.dequeue('lane1'))!, { status: 'done', result: { id: 'y', link: 'https://i.example/y.png' } });
    expect(await chunks()).toEqual([]);
    expect(await sandbox.redis.exists(meta(source.ref))).toBe(0);
  });
});
