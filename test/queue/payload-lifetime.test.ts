import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StoredError } from '../../src/queue/job-record.js';
import { RedisKeys } from '../../src/redis/keys.js';
import { Readable } from 'node:stream';
import { RedisJobStore } from '../../src/queue/redis-job-store.js';
import { RedisPayloadStore } from '../../src/store/redis-payload-store.js';
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

  it('renews the chunks of a queued job’s payload once half their staging TTL is spent (not before), and deletes them when it is done', async () => {
    const clock = manualClock();
    const keys = new RedisKeys(sandbox.prefix);
    const stagingTtlMs = 6_000;
    const payloads = new RedisPayloadStore(sandbox.redis, keys, { resultTtlMs: defaultLimits.resultTtlMs, timings: { stagingTtlMs, renewEveryMs: 100 } });
    const store = new RedisJobStore(sandbox.redis, keys, defaultLimits, clock, payloads.lifetime);
    const stored = await payloads.put(Readable.from([Buffer.alloc(300_000, 1)]), Number.POSITIVE_INFINITY);
    expect(await sandbox.redis.pttl(meta(stored.ref))).toBeGreaterThan(0);
    await store.enqueue(job('app', clock(), { source: { kind: 'payload', ref: stored.ref, size: stored.size, mime: 'image/png' } }), 1);
    expect(await sandbox.redis.pttl(meta(stored.ref))).toBe(-1);
    // Listed for renewal at half the staging TTL: a job dispatched before then costs no renewal.
    const due = Number(await sandbox.redis.zscore(keys.payloadRenewals(), stored.ref));
    const [seconds] = await sandbox.redis.time();
    expect(due - Number(seconds) * 1000).toBeGreaterThan(stagingTtlMs / 2 - 1_500);
    expect(due - Number(seconds) * 1000).toBeLessThanOrEqual(stagingTtlMs / 2 + 1_000);
    payloads.lifetime.start();
    try {
      // Two chunks (300 KB): still on their staging TTL, then each renewed for the lease once due.
      const staged = await ttls(await chunks());
      expect(staged).toHaveLength(2);
      for (const ttl of staged) expect(ttl).toBeLessThanOrEqual(stagingTtlMs);
      await eventually(async () => ttls(await chunks()), (left) => left.length === 2 && left.every((ttl) => ttl > stagingTtlMs), 10_000);
    } finally {
      await payloads.lifetime.close();
    }

    // The lease names where the bytes are, so the dispatch reads them without a lookup.
    const leased = (await store.dequeue('lane1'))!;
    const [blob] = await sandbox.redis.hmget(meta(stored.ref), 'blob');
    expect(leased.payloadAt).toEqual({ blob, chunks: 2 });
    await store.finish(leased, { status: 'done', result: { id: 'x', link: 'https://i.example/x.png' } });
    // Deleted with the next batch of discarded chunks, a moment later.
    await eventually(chunks, (left) => left.length === 0);
    expect(await sandbox.redis.exists(meta(stored.ref))).toBe(0);
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
    // Deleted with the next batch of discarded chunks, a moment later.
    await eventually(chunks, (left) => left.length === 0);
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
    // Its chunks had been shortened to the failed record's life: the new owner renews them at once.
    await eventually(async () => ttls(await chunks()), (left) => left.length === 1 && left[0]! > defaultLimits.resultTtlMs + 5_000);
    expect(await store.removeFinished('job' in failing ? failing.job.id : '')).toBe(true);
    expect(await sandbox.redis.pttl(meta(source.ref))).toBe(-1);
    expect(await chunks()).toHaveLength(1);

    await store.finish((await store.dequeue('lane1'))!, { status: 'done', result: { id: 'y', link: 'https://i.example/y.png' } });
    // Deleted with the next batch of discarded chunks, a moment later.
    await eventually(chunks, (left) => left.length === 0);
    expect(await sandbox.redis.exists(meta(source.ref))).toBe(0);
  });
});
