import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, startTestGateway, upload, type TestGateway } from './test-gateway.js';
import { eventually } from '../support/eventually.js';

describe('admin API: usage, lanes and jobs', () => {
  let target: TestGateway;
  let jobId: string;
  beforeAll(async () => {
    target = await startTestGateway();
    const queued = await upload(target.url, { authorization: `Client-ID ${target.appKey}`, prefer: 'respond-async' });
    expect(queued.status).toBe(202);
    jobId = queued.body.data.id;
  });
  afterAll(async () => {
    await target?.close();
  });

  it("shows every key's windows and the busiest client IPs", async () => {
    const { status, body } = await admin(target, 'GET', '/admin/usage');
    expect(status).toBe(200);
    const app1 = body.keys.find((key: { id: string }) => key.id === 'app1');
    expect(app1).toMatchObject({ id: 'app1', policy: 'all', weight: 1 });
    expect(app1.windows.find((w: { scope: string }) => w.scope === 'key')).toMatchObject({ name: 'key-1h', limit: 20, used: 1, remaining: 19, resetAt: expect.any(Number) });
    expect(body.topIps.length).toBeGreaterThan(0);
    expect(body.topIps[0].windows[0]).toMatchObject({ scope: 'ip', used: 1 });
  });

  it('inspects one job until it is done, and lists it among done jobs', async () => {
    const job = await eventually(() => admin(target, 'GET', `/admin/jobs/${jobId}`), (answer) => answer.body?.status === 'done');
    expect(job.status).toBe(200);
    expect(job.body).toMatchObject({ id: jobId, keyId: 'app1', status: 'done', lane: 'lane1', result: { link: expect.any(String) } });
    const done = await admin(target, 'GET', '/admin/jobs?status=done&key=app1&limit=10');
    expect(done.status).toBe(200);
    expect(done.body.stats).toMatchObject({ depth: 0, active: 0, byKey: expect.any(Object) });
    expect(done.body.jobs.map((entry: { id: string }) => entry.id)).toContain(jobId);
    const failed = await admin(target, 'GET', '/admin/jobs?status=failed');
    expect(failed.body.jobs).toEqual([]);
  });

  it("shows each lane's budget, spent by the delivered upload", async () => {
    await eventually(() => admin(target, 'GET', `/admin/jobs/${jobId}`), (answer) => answer.body?.status === 'done');
    const { status, body } = await admin(target, 'GET', '/admin/lanes');
    expect(status).toBe(200);
    expect(body.lanes).toHaveLength(1);
    expect(body.lanes[0]).toMatchObject({ id: 'lane1', localAddress: '127.0.0.2', remaining: 99 });
    expect(body.lanes[0].windows).toEqual([
      expect.objectContaining({ scope: 'address', limit: 100, remaining: 99, resetAt: expect.any(Number) }),
      // The credential's credits in uploads: (12,500 - the 2% reserve) / 10 per upload.
      expect.objectContaining({ scope: 'client', limit: 1225, remaining: 1224 }),
    ]);
    expect(body.lanes[0].credits).toMatchObject({ limit: 12_500, remaining: 12_490, reserve: 250, uploadCost: 10, upstream: { limit: 12_500, remaining: 12_490 } });
    expect(body.lanes[0].pausedUntil).toBeUndefined();
  });

  it('rejects a bad filter with 400 and an unknown job with 404', async () => {
    const bad = await admin(target, 'GET', '/admin/jobs?status=lost');
    expect(bad.status).toBe(400);
    expect(bad.body.data.error).toContain('status');
    expect((await admin(target, 'GET', '/admin/jobs?limit=0')).status).toBe(400);
    expect((await admin(target, 'GET', '/admin/jobs/no-such-job')).status).toBe(404);
  });

  it('gives the dashboard one overview with uploads counted by outcome', async () => {
    const { status, body } = await admin(target, 'GET', '/admin/overview');
    expect(status).toBe(200);
    expect(body).toMatchObject({ now: expect.any(Number), queue: { depth: expect.any(Number) }, failures: [] });
    expect(body.keys.map((key: { id: string }) => key.id)).toContain('app1');
    expect(body.lanes[0].id).toBe('lane1');
    expect(Object.values(body.uploads as Record<string, number>).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(1);
  });
});
