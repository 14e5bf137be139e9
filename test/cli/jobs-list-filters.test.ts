import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniquePng } from '../gateway/gateway-fixture.js';
import { GatewayProcess } from '../support/gateway-process.js';
import { connectRedis, redisUrl, removePrefix, testPrefix } from '../support/redis.js';
import { spawnSimulator, type SpawnedSimulator } from '../support/simulator.js';
import { runCli } from './run-cli.js';

const adminToken = 'jobs-filter-admin-token-0123';
const keys = { shop: 'k_jobs_filter_shop_secret', other: 'k_jobs_filter_other_secret' };

/** `upgate jobs` against a real gateway process on each store: the key filter runs in the store, newest first. */
describe.each(['redis', 'embedded'] as const)('upgate jobs --key on the %s store', (store) => {
  const prefix = testPrefix();
  let dir: string;
  let simulator: SpawnedSimulator;
  let gateway: GatewayProcess;
  let env: Record<string, string>;
  const shopJobs: string[] = [];

  async function uploadAs(key: string): Promise<{ status: number; id?: string }> {
    const response = await fetch(`${gateway.url}/3/image`, { method: 'POST', headers: { 'x-api-key': key, 'content-type': 'image/png' }, body: uniquePng() });
    const body = await response.json();
    return { status: response.status, id: body.data?.id };
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'upgate-jobs-'));
    simulator = await spawnSimulator();
    gateway = await GatewayProcess.start({
      store: store === 'redis' ? { redisUrl: redisUrl(), prefix } : { spoolDir: join(dir, 'spool') },
      admin: { token: adminToken },
      keys: [{ id: 'shop', key: keys.shop }, { id: 'other', key: keys.other }],
      upstream: { url: simulator.url, attempts: 2, retryBackoff: '10ms', lanes: [{ id: 'lane1', clientId: 'sim-client' }] },
      log: { level: 'warn' },
    });
    env = { UPGATE_URL: gateway.url, UPGATE_ADMIN_TOKEN: adminToken };
    // shop's three jobs first, then many newer ones of another key: a limit taken before the key filter would find none of shop's.
    for (let i = 0; i < 2; i++) expect((await uploadAs(keys.shop)).status).toBe(200);
    await simulator.faults({ next: [{ kind: 'status', status: 500 }, { kind: 'status', status: 500 }] });
    expect((await uploadAs(keys.shop)).status).toBe(502);
    for (let i = 0; i < 6; i++) expect((await uploadAs(keys.other)).status).toBe(200);
    const listed = JSON.parse((await runCli(['jobs', '--key', 'shop', '--json'], env)).stdout);
    shopJobs.push(...listed.jobs.map((job: { id: string }) => job.id));
  });

  afterAll(async () => {
    await gateway?.dispose();
    await simulator?.stop();
    if (store === 'redis') {
      const redis = await connectRedis();
      await removePrefix(redis, prefix);
      await redis.quit();
    }
    await rm(dir, { recursive: true, force: true });
  });

  it("--key K --limit 1 prints K's newest job, not 'no jobs'", async () => {
    expect(shopJobs).toHaveLength(3);
    const result = await runCli(['jobs', '--key', 'shop', '--limit', '1'], env);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).not.toContain('no jobs');
    const rows = result.stdout.split('\n').filter((line) => / shop /.test(line));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toContain(shopJobs[0]);
    expect(rows[0]).toContain('failed');
  });

  it('lists newest first, and a failed job shows the attempts it really took', async () => {
    const { jobs } = JSON.parse((await runCli(['jobs', '--key', 'shop', '--json'], env)).stdout);
    const created = jobs.map((job: { createdAt: string }) => Date.parse(job.createdAt));
    expect(created).toEqual([...created].sort((x, y) => y - x));
    expect(jobs[0]).toMatchObject({ status: 'failed', attempts: 2, error: { code: 1021 } });
    expect(jobs.slice(1).every((job: { status: string; attempts: number }) => job.status === 'done' && job.attempts === 1)).toBe(true);
    const failed = await runCli(['jobs', '--status', 'failed', '--key', 'other'], env);
    expect(failed.stdout).toContain('no jobs');
  });
});
