import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniquePng } from '../gateway/gateway-fixture.js';
import { admin, startTestGateway, upload, type TestGateway } from './test-gateway.js';
import { eventually } from '../support/eventually.js';

describe('operator controls in the admin API', () => {
  let target: TestGateway;
  let headers: Record<string, string>;
  const job = (id: string) => admin(target, 'GET', `/admin/jobs/${id}`).then((answer) => answer.body as { status: string; error?: { code: number } });
  const queueAsync = async () => {
    const answer = await upload(target.url, { ...headers, prefer: 'respond-async' });
    expect(answer.status).toBe(202);
    return answer.body.data.id as string;
  };

  beforeAll(async () => {
    target = await startTestGateway();
    headers = { authorization: `Client-ID ${target.appKey}` };
  });
  afterAll(async () => {
    await target?.close();
  });

  it('holds the whole queue: uploads are accepted and wait, and go out once it is resumed', async () => {
    expect((await admin(target, 'POST', '/admin/queue/pause')).body).toEqual({ paused: true, heldLanes: {} });
    const id = await queueAsync();
    // Held for longer than the dispatcher's safety poll and the holds' cache: still queued.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect((await job(id)).status).toBe('queued');
    expect((await admin(target, 'POST', '/admin/queue/resume')).body.paused).toBe(false);
    await eventually(() => job(id), (view) => view.status === 'done');
  });

  it('holds one lane until resumed, and refuses an unknown lane', async () => {
    const paused = await admin(target, 'POST', '/admin/lanes/lane1/pause', {});
    expect(paused.body.heldLanes).toEqual({ lane1: null });
    const id = await queueAsync();
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect((await job(id)).status).toBe('queued');
    expect((await admin(target, 'POST', '/admin/lanes/lane1/resume')).body.heldLanes).toEqual({});
    await eventually(() => job(id), (view) => view.status === 'done');
    expect((await admin(target, 'POST', '/admin/lanes/nope/pause', {})).status).toBe(404);
    const timed = await admin(target, 'POST', '/admin/lanes/lane1/pause', { for: '1s' });
    expect(timed.body.heldLanes.lane1).toBeGreaterThan(Date.now());
    expect((await admin(target, 'POST', '/admin/lanes/lane1/pause', { for: 'a while' })).status).toBe(400);
    await admin(target, 'POST', '/admin/lanes/lane1/resume');
  });

  it("resets a lane's counts: every window opens fresh", async () => {
    const before = (await admin(target, 'GET', '/admin/lanes')).body.lanes[0];
    expect(before.remaining).toBeLessThan(100);
    const reset = await admin(target, 'POST', '/admin/lanes/lane1/reset');
    expect(reset.status).toBe(200);
    expect(reset.body.lane.remaining).toBe(100);
  });

  it('cancels a queued job: it fails with 1022, as its client sees it too', async () => {
    await admin(target, 'POST', '/admin/queue/pause');
    const id = await queueAsync();
    const cancelled = await admin(target, 'POST', `/admin/jobs/${id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ id, status: 'failed', error: { code: 1022, status: 410, message: 'Cancelled by an operator' } });
    const seen = await fetch(`${target.url}/3/jobs/${id}`, { headers });
    expect(((await seen.json()) as { data: { status: string } }).data.status).toBe('failed');
    expect((await admin(target, 'POST', `/admin/jobs/${id}/cancel`)).status).toBe(409);
    await admin(target, 'POST', '/admin/queue/resume');
  });

  it('refuses to retry a failed job whose image was never stored, and purges failed jobs', async () => {
    // Fresh bytes, forwarded straight from the request (cut-through): only its own process ever held them.
    await fetch(`${target.simulator.url}/_sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ next: [{ kind: 'status', status: 400, message: 'Image is corrupt' }] }) });
    const failed = await fetch(`${target.url}/3/image`, { method: 'POST', headers: { ...headers, 'content-type': 'image/png' }, body: uniquePng() });
    expect(failed.status).toBe(502);
    const [failedJob] = (await admin(target, 'GET', '/admin/jobs?status=failed&limit=1000')).body.jobs.filter((j: { error?: { message: string } }) => j.error?.message === 'Image is corrupt');
    const gone = await admin(target, 'POST', `/admin/jobs/${failedJob.id}/retry`);
    expect(gone.status).toBe(409);
    expect(gone.body.data.error).toContain('no longer stored: the client must upload it again');

    const purged = await admin(target, 'POST', '/admin/jobs/purge');
    expect(purged.body.purged).toBeGreaterThanOrEqual(2); // the corrupt image and the cancelled job
    expect((await admin(target, 'GET', '/admin/jobs?status=failed')).body.jobs).toEqual([]);
    expect((await admin(target, 'GET', `/admin/jobs/${failedJob.id}`)).status).toBe(404);
  });
});
