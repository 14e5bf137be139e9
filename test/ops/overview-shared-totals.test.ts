import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ConfigInput } from '../../src/config/schema.js';
import { appKey, uniquePng } from '../gateway/gateway-fixture.js';
import { GatewayProcess } from '../support/gateway-process.js';
import { connectRedis, redisUrl, removePrefix, testPrefix } from '../support/redis.js';
import { spawnSimulator, type SpawnedSimulator } from '../support/simulator.js';

const adminToken = 'overview-admin-token-0123456789';

/** Behind a load balancer every instance must show the same numbers: they come from the store, not the process. */
describe('/admin/overview with two gateway processes on one Redis', () => {
  const prefix = testPrefix();
  let simulator: SpawnedSimulator;
  let a: GatewayProcess;
  let b: GatewayProcess;

  beforeAll(async () => {
    simulator = await spawnSimulator();
    const config: ConfigInput = {
      store: { redisUrl: redisUrl(), prefix },
      admin: { token: adminToken },
      keys: [{ id: 'app1', key: appKey }],
      upstream: { url: simulator.url, lanes: [{ id: 'lane1', clientId: 'sim-client' }] },
      log: { level: 'warn' },
    };
    [a, b] = await Promise.all([GatewayProcess.start(config), GatewayProcess.start(config)]);
  });

  afterAll(async () => {
    await Promise.all([a?.dispose(), b?.dispose()]);
    await simulator?.stop();
    const redis = await connectRedis();
    await removePrefix(redis, prefix);
    await redis.quit();
  });

  const overview = async (gateway: GatewayProcess) => (await fetch(`${gateway.url}/admin/overview`, { headers: { authorization: `Bearer ${adminToken}` } })).json();

  it('uploads through A show the same totals on B as on A', async () => {
    for (let i = 0; i < 4; i++) {
      const answer = await fetch(`${a.url}/3/image`, { method: 'POST', headers: { 'x-api-key': appKey, 'content-type': 'image/png' }, body: uniquePng() });
      expect(answer.status).toBe(200);
    }
    const refused = await fetch(`${a.url}/3/image`, { method: 'POST', headers: { 'x-api-key': appKey, 'content-type': 'image/png' }, body: new Uint8Array([1, 2, 3]) });
    expect(refused.status).toBe(415);

    // Counting is sent without delaying the answers: wait until it has landed.
    await vi.waitFor(async () => expect((await overview(b)).uploads).toEqual({ done: 4, rejected: 1 }), { timeout: 5_000, interval: 50 });
    const [onA, onB] = await Promise.all([overview(a), overview(b)]);
    expect(onB.uploads).toEqual(onA.uploads);
    expect(onB.upstream).toEqual({ 200: 4 });
    expect(onA.upstream).toEqual({ 200: 4 });
  });
});
