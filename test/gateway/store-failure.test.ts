import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisProcess } from '../support/redis-process.js';
import { spawnSimulator, type SpawnedSimulator } from '../support/simulator.js';
import { postImage, startFixtureGateway } from './gateway-fixture.js';

describe('when Redis goes away under a running gateway', () => {
  let redis: RedisProcess;
  let simulator: SpawnedSimulator;
  let fixture: Awaited<ReturnType<typeof startFixtureGateway>>;

  beforeAll(async () => {
    redis = await RedisProcess.start();
    simulator = await spawnSimulator();
    fixture = await startFixtureGateway({
      redisUrl: redis.url,
      upstream: { url: simulator.url, lanes: [{ id: 'lane1', clientId: 'sim-client', localAddress: '127.0.0.2' }] },
    });
  });

  afterAll(async () => {
    await fixture.close();
    await simulator.stop();
    await redis.kill();
  });

  it('answers 503/1020 with Retry-After at once, then uploads again once Redis is back', async () => {
    const { url } = fixture.gateway;
    expect((await postImage(url)).status).toBe(200);

    await redis.kill();
    const down = await postImage(url);
    expect(down.status).toBe(503);
    expect(Number(down.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(down.body.data).toMatchObject({ code: 1020 });
    expect((await fetch(`${url}/readyz`)).status).toBe(503);

    await redis.restart();
    let recovered = down.status;
    for (let attempt = 0; attempt < 100 && recovered !== 200; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      recovered = (await postImage(url)).status;
    }
    expect(recovered).toBe(200);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
  });
});
