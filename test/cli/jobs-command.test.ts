import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeStats } from '../../src/cli/jobs.js';
import { admin, startTestGateway, upload, type TestGateway } from '../ops/test-gateway.js';
import { runCli } from './run-cli.js';

describe('upgate jobs', () => {
  let target: TestGateway;
  let env: Record<string, string>;
  let jobId: string;
  beforeAll(async () => {
    target = await startTestGateway();
    env = { UPGATE_URL: target.url, UPGATE_ADMIN_TOKEN: target.adminToken };
    const queued = await upload(target.url, { authorization: `Client-ID ${target.appKey}`, prefer: 'respond-async' });
    jobId = queued.body.data.id;
    const deadline = Date.now() + 15_000;
    while ((await admin(target, 'GET', `/admin/jobs/${jobId}`)).body?.status !== 'done' && Date.now() < deadline) await sleep(50);
  });
  afterAll(async () => {
    await target?.close();
  });

  it('prints the queue state and a table of jobs', async () => {
    const result = await runCli(['jobs', '--status', 'done'], env);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^queue: 0 waiting \(0 bytes\), 0 active/);
    expect(result.stdout).toMatch(/JOB\s+KEY\s+STATUS\s+CREATED/);
    expect(result.stdout).toContain(`${jobId}  app1`);
  });

  it('says when the backlog drains, and never "drained in now"', () => {
    const now = Date.now();
    const backlog = { depth: 3, bytes: 300, active: 1, oldestAgeMs: 65_000, byKey: { app1: 3 }, held: 0 };
    expect(describeStats({ ...backlog, drainEta: now + 125_000 }, now)).toBe('queue: 3 waiting (300 bytes), 1 active, oldest 1m 05s, drained in 2m 05s');
    expect(describeStats({ ...backlog, drainEta: now + 200 }, now)).toBe('queue: 3 waiting (300 bytes), 1 active, oldest 1m 05s, sending now');
    expect(describeStats({ ...backlog, drainEta: now - 5_000 }, now)).toMatch(/, sending now$/);
  });

  it('filters by status and prints JSON', async () => {
    const [done, failed] = await Promise.all([runCli(['jobs', '--status', 'done', '--key', 'app1', '--json'], env), runCli(['jobs', '--status', 'failed', '--json'], env)]);
    expect(JSON.parse(done.stdout).jobs.map((job: { id: string }) => job.id)).toContain(jobId);
    expect(JSON.parse(failed.stdout).jobs).toEqual([]);
  });

  it('shows one job', async () => {
    const result = await runCli(['jobs', jobId], env);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^id\\s+${jobId}$`, 'm'));
    expect(result.stdout).toMatch(/^status\s+done$/m);
    expect(result.stdout).toMatch(/^lane\s+lane1$/m);
    expect(result.stdout).toMatch(/^link\s+http/m);
    const missing = await runCli(['jobs', 'no-such-job'], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('404');
  });
});
