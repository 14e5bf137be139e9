import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postImage, startFixtureGateway } from '../gateway/gateway-fixture.js';
import { keyRecord, openHarness } from '../quota/support/harness.js';
import type { InProcessGateway } from '../support/in-process-gateway.js';
import { RedisCluster } from '../support/redis-cluster.js';
import { RedisSentinel } from '../support/redis-sentinel.js';
import { spawnSimulator, type SpawnedSimulator } from '../support/simulator.js';

const adminToken = 'deployments-admin-token';

/** Each deployment, started only here: a real 3-master Cluster, a master watched by a Sentinel. */
const deployments = {
  cluster: () => RedisCluster.start(),
  sentinel: () => RedisSentinel.start(),
};

describe.each(Object.keys(deployments) as Array<keyof typeof deployments>)('on a Redis %s', (mode) => {
  let deployment: { url: string; stop(): Promise<void> };
  let simulator: SpawnedSimulator;
  let fixture: InProcessGateway;
  const admin = (path: string, init: RequestInit = {}) =>
    fetch(`${fixture.gateway.url}/admin${path}`, { ...init, headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json', ...init.headers } });

  beforeAll(async () => {
    deployment = await deployments[mode]();
    simulator = await spawnSimulator();
    fixture = await startFixtureGateway({
      redisUrl: deployment.url,
      admin: { token: adminToken },
      upstream: { url: simulator.url, lanes: [{ id: 'lane1', clientId: 'sim-client', localAddress: '127.0.0.2', limits: [{ limit: 1000, window: '1h' }] }] },
    });
  });

  afterAll(async () => {
    await fixture?.close();
    await simulator?.stop();
    await deployment?.stop();
  });

  it('is ready by a real script call, and an upload goes round trip to the upstream', async () => {
    const ready = await fetch(`${fixture.gateway.url}/readyz`);
    expect(await ready.json()).toMatchObject({ status: 'ready', store: 'ok' });
    const before = (await simulator.stats()).uploads;
    const answer = await postImage(fixture.gateway.url);
    expect(answer.status).toBe(200);
    expect(answer.body.data.link).toMatch(/^http/);
    expect((await simulator.stats()).uploads).toBe(before + 1);
  });

  it('admits exactly a key’s limit from several connections at once', async () => {
    const quotas = { perKey: [{ limit: 25, window: '1h' }], perIp: [{ limit: 1000, window: '1h' }] };
    // Three admissions on one prefix, each with its own connection: three gateway instances.
    const first = await openHarness('redis', { quotas, store: { redisUrl: deployment.url } });
    const shared = await Promise.all([1, 2].map(() => openHarness('redis', { quotas, store: { redisUrl: deployment.url, prefix: first.config.store.prefix } })));
    try {
      const admissions = [first, ...shared].map((harness) => harness.admission);
      const key = keyRecord('busy');
      const decisions = await Promise.all(Array.from({ length: 90 }, (_, i) => admissions[i % admissions.length]!.admit(key, `10.9.0.${i % 5}`)));
      expect(decisions.filter((decision) => decision.admitted)).toHaveLength(25);
      expect((await first.admission.usage(key))[0]!.used).toBe(25);
    } finally {
      await Promise.all([first, ...shared].map((harness) => harness.close()));
    }
  });

  it('drains queued uploads, each delivered once, and shows them in the admin overview', async () => {
    const before = (await simulator.stats()).received.length;
    const answers = await Promise.all(Array.from({ length: 6 }, () => postImage(fixture.gateway.url, '/3/image', { prefer: 'respond-async' })));
    expect(answers.map((answer) => answer.status)).toEqual(Array(6).fill(202));
    await expect.poll(async () => (await simulator.stats()).received.length, { timeout: 20_000 }).toBe(before + 6);
    await expect.poll(async () => (await (await admin('/jobs?status=done')).json()).jobs.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(6);
    const overview = await admin('/overview');
    expect(overview.status).toBe(200);
    const feed = await overview.json();
    expect(feed.queue).toMatchObject({ depth: 0, active: 0 });
    expect(feed.keys.map((key: { id: string }) => key.id)).toContain('app1');
    expect(feed.uploads.queued).toBeGreaterThanOrEqual(6);
  });

  it('creates, uses and revokes a key through the admin API', async () => {
    const created = await admin('/keys', { method: 'POST', body: JSON.stringify({ id: `run-${mode}` }) });
    expect(created.status).toBe(201);
    const { key } = await created.json();
    const credits = () => fetch(`${fixture.gateway.url}/3/credits`, { headers: { authorization: `Client-ID ${key}` } });
    expect((await credits()).status).toBe(200);
    expect((await admin(`/keys/run-${mode}`, { method: 'DELETE' })).status).toBeLessThan(300);
    await expect.poll(async () => (await credits()).status, { timeout: 10_000 }).toBe(403);
  });
});
