import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SubmitOutcome } from '../../src/uploads/types.js';
import { lanesConfig, openQueue, queueConfig, Sandbox, ScriptedUpstream, storeKinds } from './queue-fixture.js';

let sandbox: Sandbox;
beforeEach(async () => (sandbox = await Sandbox.open()));
afterEach(() => sandbox.cleanup());

const upload = (keyId: string, n: number) => ({ keyId, source: { kind: 'url' as const, url: `https://example.test/${keyId}/${n}.png` }, fields: {} });

describe.each(storeKinds)('%s store: what a queued upload is told', (kind) => {
  it('gives positions in dispatch order and ETAs from the lane budget and its resets', async () => {
    const queue = await openQueue(sandbox, kind, queueConfig({ upstream: lanesConfig(1, '2/30s') }), new ScriptedUpstream());
    const answers: SubmitOutcome[] = [];
    for (let n = 0; n < 3; n++) answers.push(await queue.submit(upload('busy', n), { waitMs: 0 }));
    answers.push(await queue.submit(upload('quiet', 0), { waitMs: 0 }));
    answers.push(await queue.submit(upload('busy', 3), { waitMs: 0 }));
    expect(answers.map((a) => a.state === 'queued' && a.job.position)).toEqual([1, 2, 3, 2, 5]); // as things stood at each submit
    const jobs = await Promise.all(answers.map((a) => queue.get(a.job.id, a.job.id === answers[3]!.job.id ? 'quiet' : 'busy').then((j) => j!)));
    // now: busy's first job, then quiet's only job (fair share), then busy's others
    expect(jobs.map((j) => j.position)).toEqual([1, 3, 4, 2, 5]);
    const eta = jobs.map((j) => Date.parse(j.eta!));
    const now = Date.now();
    expect(eta[0]).toBeLessThanOrEqual(now);
    expect(eta[3]).toBeLessThanOrEqual(now); // position 2: the window still has room
    expect(eta[1]! - now).toBeGreaterThan(25_000); // position 3 waits for the 30s window to reset
    expect(eta[4]! - now).toBeGreaterThan(55_000); // position 5: the reset after that
    const retryAfter = answers.map((a) => (a.state === 'queued' ? a.retryAfterSeconds : 0));
    expect(retryAfter[4]).toBeGreaterThan(retryAfter[1]!);
    expect((await queue.stats()).depth).toBe(5);
    await queue.stop(0);
  });

  it('says the queue is stalled and gives no ETA when no lanes are configured', async () => {
    const queue = await openQueue(sandbox, kind, queueConfig(), new ScriptedUpstream());
    await queue.start();
    const answer = await queue.submit(upload('app', 0), { waitMs: 0 });
    expect(answer).toMatchObject({ state: 'queued', job: { status: 'queued', position: 1 } });
    if (answer.state !== 'queued') throw new Error(`answered ${answer.state}`);
    expect(answer.job.eta).toBeUndefined();
    const stats = await queue.stats();
    expect(stats).toMatchObject({ depth: 1 });
    expect(stats.stalled).toMatch(/no upstream lanes/);
    expect(await queue.get(answer.job.id, 'someone-else')).toBeUndefined();
    expect(await queue.get(answer.job.id, 'app')).toMatchObject({ id: answer.job.id, status: 'queued' });
    await queue.stop(0);
  });
});
