import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayProcess } from '../support/gateway-process.js';
import { connectRedis, redisUrl, removePrefix, testPrefix } from '../support/redis.js';
import { spawnSimulator, type SpawnedSimulator } from '../support/simulator.js';
import { appKey, uniquePng } from './gateway-fixture.js';

const adminToken = 'graceful-admin-token';

describe('SIGTERM', () => {
  let simulator: SpawnedSimulator;
  let gateway: GatewayProcess;
  const prefix = testPrefix();

  beforeAll(async () => {
    simulator = await spawnSimulator();
    gateway = await GatewayProcess.start({
      // A waiting client must be answered by the shutdown itself, not by its wait running out.
      server: { maxWait: '1h' },
      store: { redisUrl: redisUrl(), prefix },
      admin: { token: adminToken },
      keys: [{ id: 'app1', key: appKey }],
      upstream: { url: simulator.url, lanes: [{ id: 'lane1', clientId: 'sim-client' }] },
      log: { level: 'warn' },
    });
  });

  afterAll(async () => {
    await gateway.dispose();
    await simulator.stop();
    const redis = await connectRedis();
    await removePrefix(redis, prefix);
    await redis.quit();
  });

  it('lets the forward in flight finish and answer, then exits 0', async () => {
    await simulator.faults({ next: [{ kind: 'latency', ms: 1_500 }] });
    const upload = fetch(`${gateway.url}/3/image`, { method: 'POST', headers: { 'x-api-key': appKey, 'content-type': 'image/png' }, body: uniquePng() });

    // Wait until the upload is being forwarded, then ask the gateway to stop.
    for (let attempt = 0; attempt < 200; attempt++) {
      const jobs = await fetch(`${gateway.url}/admin/jobs`, { headers: { authorization: `Bearer ${adminToken}` } }).then((r) => r.json());
      if (jobs.stats.active === 1) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const stopped = gateway.stop('SIGTERM');

    const answer = await upload;
    expect(answer.status).toBe(200);
    expect((await answer.json()).data.type).toBe('image/png');
    await stopped;
    expect(gateway.exitCode).toBe(0);
    expect((await simulator.stats()).uploads).toBe(1);
    await expect(fetch(`${gateway.url}/healthz`)).rejects.toThrow();
  });
});
