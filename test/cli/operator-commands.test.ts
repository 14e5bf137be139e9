import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, upload, type TestGateway } from '../ops/test-gateway.js';
import { runCli } from './run-cli.js';

describe('upgate queue, lanes pause|resume|reset and jobs cancel|retry|purge', () => {
  let target: TestGateway;
  let env: Record<string, string>;
  beforeAll(async () => {
    target = await startTestGateway();
    env = { UPGATE_URL: target.url, UPGATE_ADMIN_TOKEN: target.adminToken };
  });
  afterAll(async () => {
    await target?.close();
  });

  it('pauses and resumes the queue and a lane, and shows what is held', async () => {
    expect(await runCli(['queue', 'pause'], env)).toMatchObject({ code: 0, stdout: 'queue: paused (accepting uploads, sending none)\nheld lanes: none\n' });
    const held = await runCli(['lanes', 'pause', 'lane1', '--for', '10m'], env);
    expect(held.code).toBe(0);
    expect(held.stdout).toMatch(/^held lane lane1\nqueue: paused .*\nheld lanes: lane1 \(for (9m 5\d|10m 00)s\)\n$/);
    const shown = await runCli(['queue', '--json'], env);
    expect(JSON.parse(shown.stdout)).toMatchObject({ paused: true, heldLanes: { lane1: expect.any(Number) } });
    expect((await runCli(['lanes', 'resume', 'lane1'], env)).stdout).toContain('held lanes: none');
    expect((await runCli(['queue', 'resume'], env)).stdout).toBe('queue: running\nheld lanes: none\n');
  });

  it('cancels a queued job, resets a lane, purges failed jobs; the listing commands still work beside them', async () => {
    await runCli(['queue', 'pause'], env);
    const queued = await upload(target.url, { authorization: `Client-ID ${target.appKey}`, prefer: 'respond-async' });
    const id = queued.body.data.id as string;
    expect(await runCli(['jobs', 'cancel', id], env)).toMatchObject({ code: 0, stdout: `cancelled job ${id}\n` });
    const shown = await runCli(['jobs', id], env);
    expect(shown.stdout).toMatch(/^status\s+failed$/m);
    expect(shown.stdout).toContain('1022 (410) Cancelled by an operator');
    expect(await runCli(['lanes', 'reset', 'lane1'], env)).toMatchObject({ code: 0, stdout: 'reset the budget counts of lane lane1\n' });
    expect(await runCli(['jobs', 'purge'], env)).toMatchObject({ code: 0, stdout: 'purged 1 failed jobs\n' });
    expect((await runCli(['jobs', '--status', 'failed'], env)).stdout).toContain('no jobs');
    await runCli(['queue', 'resume'], env);
  });

  it('exits 1 naming what is wrong for an unknown lane or job, and 2 for a bad duration', async () => {
    const [lane, job, badFor] = await Promise.all([
      runCli(['lanes', 'pause', 'nope'], env),
      runCli(['jobs', 'retry', 'no-such-job'], env),
      runCli(['lanes', 'pause', 'lane1', '--for', 'soon'], env),
    ]);
    expect(lane).toMatchObject({ code: 1 });
    expect(lane.stderr).toContain('no lane "nope"');
    expect(job.code).toBe(1);
    expect(job.stderr).toContain('no job "no-such-job"');
    expect(badFor.code).toBe(2);
    expect(badFor.stderr).toContain('expected a duration like "10m", got "soon"');
  });
});
