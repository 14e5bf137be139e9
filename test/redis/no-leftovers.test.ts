import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appKey, postImage, startFixtureGateway, uniquePng } from '../gateway/gateway-fixture.js';
import type { InProcessGateway } from '../support/in-process-gateway.js';
import { connectRedis, keysUnder, redisUrl } from '../support/redis.js';
import { spawnSimulator, type SpawnedSimulator } from '../support/simulator.js';

/** Every window and TTL short, so what the gateway wrote must be gone within seconds of a drain. */
const short = { limit: 1_000, window: '1s' };

describe('an idle gateway’s Redis after a drain', () => {
  let simulator: SpawnedSimulator;
  let fixture: InProcessGateway;
  let redis: Redis;

  beforeAll(async () => {
    // The upstream's windows as short as ours: lane budgets learn their resets from its answers.
    simulator = await spawnSimulator(['--ip-limit', '1000/1s', '--client-limit', '1000/1s']);
    fixture = await startFixtureGateway({
      redisUrl: redisUrl(),
      server: { badKeyLimit: short },
      quotas: { perKey: [short], perIp: [short] },
      queue: { resultTtl: '1s' },
      upstream: { url: simulator.url, lanes: [{ id: 'lane1', clientId: 'sim-client', localAddress: '127.0.0.2', limits: [short] }] },
    });
    redis = await connectRedis();
  });

  afterAll(async () => {
    await redis?.quit();
    await fixture?.close();
    await simulator?.stop();
  });

  it('keeps no job, payload or quota key after a drain: every key has a TTL or went with its job', async () => {
    const prefix = fixture.gateway.config.store.prefix;
    const baseline = (await keysUnder(redis, prefix)).sort();
    const { url } = fixture.gateway;
    const same = uniquePng();
    const post = (headers: Record<string, string>, body: Uint8Array<ArrayBuffer> = uniquePng()) =>
      fetch(`${url}/3/image`, { method: 'POST', headers: { 'x-api-key': appKey, 'content-type': 'image/png', ...headers }, body }).then((r) => r.status);
    const statuses = await Promise.all([
      postImage(url).then((r) => r.status),
      postImage(url).then((r) => r.status),
      post({ prefer: 'respond-async' }),
      post({ prefer: 'respond-async' }),
      post({ 'idempotency-key': 'once' }),
      post({ prefer: 'respond-async' }, same),
      post({ prefer: 'respond-async' }, same),
      fetch(`${url}/3/image`, { method: 'POST', headers: { 'x-api-key': 'k_not_a_key_of_this_gateway', 'content-type': 'image/png' }, body: uniquePng() }).then((r) => r.status),
    ]);
    expect(statuses.map((status) => (status === 200 || status === 202 ? 'accepted' : status))).toEqual([...Array(7).fill('accepted'), 403]);
    expect([200, 202]).toContain(await post({ 'idempotency-key': 'once' }));
    await expect.poll(async () => (await simulator.stats()).uploads, { timeout: 20_000 }).toBe(6);

    // While jobs are done but their results not yet expired, everything left has a TTL.
    const during = await keysUnder(redis, prefix);
    const withoutTtl = [];
    for (const key of during) if (!baseline.includes(key) && (await redis.pttl(key)) < 0) withoutTtl.push(key);
    expect(withoutTtl).toEqual([]);
    // Then the queue, its payloads and the quota windows are gone. Lane budget records, daily usage
    // history and the dashboard's totals outlive a drain by design (credit budgets, history, counts
    // shown to operators), each under its own TTL.
    const kept = (key: string) => [`${prefix}{lanes}:`, `${prefix}{usage}:`, `${prefix}{stats}:`].some((tag) => key.startsWith(tag));
    await expect.poll(async () => (await keysUnder(redis, prefix)).filter((key) => !kept(key)).sort(), { timeout: 15_000, interval: 200 }).toEqual(baseline.filter((key) => !kept(key)));
    for (const key of (await keysUnder(redis, prefix)).filter(kept)) expect(await redis.pttl(key)).toBeGreaterThan(0);
  });
});
