import { createHash } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { createRedis, waitReady } from '../../src/redis/connect.js';
import { appKey, startFixtureGateway, uniquePng } from '../gateway/gateway-fixture.js';
import type { InProcessGateway } from '../support/in-process-gateway.js';
import { RedisProcess } from '../support/redis-process.js';
import { spawnSimulator, type SpawnedSimulator } from '../support/simulator.js';

interface Answer {
  sha256: string;
  status: number;
  retryAfter: string | null;
}

/** One synchronous upload of fresh bytes; what it was answered, by the SHA-256 the upstream records. */
async function upload(url: string): Promise<Answer> {
  const body = uniquePng();
  const sha256 = createHash('sha256').update(body).digest('hex');
  const response = await fetch(`${url}/3/image`, { method: 'POST', headers: { 'x-api-key': appKey, 'content-type': 'image/png' }, body });
  await response.arrayBuffer();
  return { sha256, status: response.status, retryAfter: response.headers.get('retry-after') };
}

/**
 * Redis failing under synchronous uploads that wait for the upstream: each upload gets one answer,
 * 200, 202 or 503 with Retry-After (never 500), and the upstream sees exactly the accepted ones, once.
 */
describe('uploads while Redis fails under them', () => {
  let redis: RedisProcess;
  let simulator: SpawnedSimulator;
  let fixture: InProcessGateway;
  let control: Redis;

  beforeAll(async () => {
    redis = await RedisProcess.start({ persistent: true });
    // The upstream answers slowly, so uploads are waiting on Redis when it fails.
    simulator = await spawnSimulator(['--latency', '300ms', '--ip-limit', '100000/1h', '--client-limit', '100000/1h']);
    fixture = await startFixtureGateway({
      redisUrl: redis.url,
      server: { maxWait: '4s' },
      store: { commandTimeout: '300ms' },
      quotas: { perKey: [{ limit: 10_000, window: '1h' }], perIp: [{ limit: 10_000, window: '1h' }] },
      queue: { leaseTimeout: '20s' },
      upstream: { url: simulator.url, lanes: [{ id: 'lane1', clientId: 'sim-client', localAddress: '127.0.0.2', limits: [{ limit: 10_000, window: '1h' }] }] },
    });
  });

  afterAll(async () => {
    await fixture?.close();
    await simulator?.stop();
    await redis?.remove();
  });

  afterEach(async () => {
    control?.disconnect();
    await simulator.reset();
  });

  /** Sends `count` uploads, one every 40 ms, running `fault` meanwhile; then waits for the queue to drain. */
  async function uploadsDuring(count: number, fault: () => Promise<void>): Promise<Answer[]> {
    const sent: Array<Promise<Answer>> = [];
    const sending = (async () => {
      for (let i = 0; i < count; i++) {
        sent.push(upload(fixture.gateway.url));
        await new Promise((resolve) => setTimeout(resolve, 40));
      }
    })();
    // The fault strikes once an upload has been answered, so some are through and some meet it.
    while (sent.length < 3) await new Promise((resolve) => setTimeout(resolve, 20));
    await Promise.race(sent);
    await fault();
    await sending;
    const answers = await Promise.all(sent);
    await expect
      .poll(async () => {
        const stats = await fixture.gateway.queue.stats().catch(() => undefined);
        return stats && stats.depth + stats.active;
      }, { timeout: 40_000, interval: 200 })
      .toBe(0);
    return answers;
  }

  async function expectOneTruthfulAnswerEach(answers: Answer[]): Promise<void> {
    expect(answers.filter((a) => ![200, 202, 503].includes(a.status))).toEqual([]);
    for (const answer of answers.filter((a) => a.status === 503)) expect(Number(answer.retryAfter)).toBeGreaterThanOrEqual(1);
    const delivered = new Map<string, number>();
    for (const record of (await simulator.stats()).received) if (record.sha256) delivered.set(record.sha256, (delivered.get(record.sha256) ?? 0) + 1);
    const accepted = answers.filter((a) => a.status !== 503);
    expect(accepted.map((a) => [a.status, delivered.get(a.sha256) ?? 0])).toEqual(accepted.map((a) => [a.status, 1]));
    expect(answers.filter((a) => a.status === 503).map((a) => delivered.get(a.sha256) ?? 0)).toEqual(answers.filter((a) => a.status === 503).map(() => 0));
    // Something got through, and something met the fault: the test saw both sides.
    expect(accepted.length).toBeGreaterThan(0);
  }

  it('answers each upload once when Redis stalls longer than the command timeout (DEBUG SLEEP)', async () => {
    control = createRedis(redis.url, { commandTimeoutMs: 10_000 }) as Redis;
    await waitReady(control);
    const answers = await uploadsDuring(20, async () => {
      await control.call('DEBUG', 'SLEEP', '1.5');
    });
    await expectOneTruthfulAnswerEach(answers);
  });

  it('answers each upload once when Redis is stopped (SIGTERM) and restarted', async () => {
    const answers = await uploadsDuring(20, async () => {
      await redis.kill('SIGTERM');
      await new Promise((resolve) => setTimeout(resolve, 300));
      await redis.restart();
    });
    await expectOneTruthfulAnswerEach(answers);
    expect(answers.some((a) => a.status === 503 || a.status === 202)).toBe(true);
  });
});
