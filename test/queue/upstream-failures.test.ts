import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { UpstreamAnswer } from '../../src/upstream/types.js';
import { lanesConfig, okAnswer, openQueue, queueConfig, Sandbox, ScriptedUpstream, storeKinds } from './queue-fixture.js';

let sandbox: Sandbox;
beforeEach(async () => (sandbox = await Sandbox.open()));
afterEach(() => sandbox.cleanup());

const upload = { keyId: 'app', source: { kind: 'url' as const, url: 'https://example.test/a.png' }, fields: {} };
const config = queueConfig({ upstream: { ...lanesConfig(2, '100/10s'), attempts: 3, retryBackoff: '10ms' } });

describe.each(storeKinds)('%s store: upstream failures', (kind) => {
  it('retries 5xx with backoff, then fails with 1021/502 after the configured attempts', async () => {
    const upstream = new ScriptedUpstream((): UpstreamAnswer => ({ kind: 'retryable', message: 'HTTP 503', timeout: false, limits: {} }));
    const queue = await openQueue(sandbox, kind, config, upstream);
    await queue.start();
    await expect(queue.submit(upload, { waitMs: 30_000 })).rejects.toMatchObject({ code: 1021, status: 502 });
    expect(upstream.sends).toHaveLength(3);
    // Every attempt made is counted, the last one too.
    expect((await queue.list({ status: 'failed' }))[0]).toMatchObject({ attempts: 3, status: 'failed' });
    await queue.stop(0);
  });

  it('fails with 1021/504 when the last attempt timed out', async () => {
    const upstream = new ScriptedUpstream((): UpstreamAnswer => ({ kind: 'retryable', message: 'headers timeout', timeout: true, limits: {} }));
    const queue = await openQueue(sandbox, kind, config, upstream);
    await queue.start();
    await expect(queue.submit(upload, { waitMs: 30_000 })).rejects.toMatchObject({ code: 1021, status: 504 });
    await queue.stop(0);
  });

  it('succeeds when a retry succeeds', async () => {
    const upstream = new ScriptedUpstream((lane, request, call) => (call === 1 ? { kind: 'retryable', message: 'reset', timeout: false, limits: {} } : okAnswer(lane, request, call)));
    const queue = await openQueue(sandbox, kind, config, upstream);
    await queue.start();
    expect(await queue.submit(upload, { waitMs: 30_000 })).toMatchObject({ state: 'done', image: { id: 'img2' } });
    await queue.stop(0);
  });

  it('fails a 4xx at once with the upstream message', async () => {
    const upstream = new ScriptedUpstream((): UpstreamAnswer => ({ kind: 'rejected', message: 'Image format not supported', status: 400, limits: {} }));
    const queue = await openQueue(sandbox, kind, config, upstream);
    await queue.start();
    await expect(queue.submit(upload, { waitMs: 30_000 })).rejects.toMatchObject({ code: 1021, message: 'Image format not supported' });
    expect(upstream.sends).toHaveLength(1);
    await queue.stop(0);
  });

  it('pauses only the lane that got a 429 and still completes the job, counting only the attempt that landed', async () => {
    const upstream = new ScriptedUpstream((lane, request, call) =>
      lane.id === 'lane1' ? { kind: 'rate-limited', message: 'Too Many Requests', limits: {} } : okAnswer(lane, request, call),
    );
    const queue = await openQueue(sandbox, kind, config, upstream);
    await queue.start();
    const outcome = await queue.submit(upload, { waitMs: 30_000 });
    expect(outcome).toMatchObject({ state: 'done', image: { lane: 'lane2' } });
    const [lane1, lane2] = await queue.lanes();
    expect(lane1!.pausedUntil).toBeGreaterThan(Date.now());
    expect(lane2!.pausedUntil).toBeUndefined();
    expect((await queue.inspect(outcome.job.id))!.attempts).toBe(1);
    await queue.stop(0);
  });
});
