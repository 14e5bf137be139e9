import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/gateway.js';
import { createRedis, waitReady } from '../../src/redis/connect.js';
import { eventually } from '../support/eventually.js';
import type { InProcessGateway } from '../support/in-process-gateway.js';
import { RedisProcess } from '../support/redis-process.js';
import { keysUnder } from '../support/redis.js';
import { spawnSimulator, type SpawnedSimulator } from '../support/simulator.js';
import { postImage, startFixtureGateway } from './gateway-fixture.js';

/**
 * What a cut-through upload's client waits for, seen by holding Redis's writes back (CLIENT PAUSE
 * WRITE, on a Redis of its own): not the finish, and not its body's read after its admission.
 */
describe('the waits of a cut-through upload', () => {
  let redis: RedisProcess;
  let simulator: SpawnedSimulator;
  let fixture: InProcessGateway;
  let gateway: Gateway;
  let control: Redis;

  beforeAll(async () => {
    redis = await RedisProcess.start();
    simulator = await spawnSimulator();
    // Commands outlast the pauses here (a paused write waits, it does not fail), until the finish waits for one.
    fixture = await startFixtureGateway({ redisUrl: redis.url, store: { commandTimeout: '5s' }, upstream: { url: simulator.url, lanes: [{ id: 'lane1', clientId: 'sim-client' }] } });
    gateway = fixture.gateway;
    control = createRedis(redis.url, { commandTimeoutMs: 5_000 }) as Redis;
    await waitReady(control);
    // The key's first upload: admitted, so its next one is read while its admission is out.
    expect((await postImage(gateway.url)).status).toBe(200);
  });

  afterAll(async () => {
    await control?.call('CLIENT', 'UNPAUSE').catch(() => {});
    control?.disconnect();
    await fixture?.close();
    await simulator?.stop();
    await redis?.remove();
  });

  const heldBytes = async () => (await gateway.metrics.heldBytes.get()).values[0]?.value ?? 0;
  const jobStatuses = async () => {
    const jobs = await keysUnder(control, `${gateway.config.store.prefix}{queue}:job:`);
    return Promise.all(jobs.map((job) => control.hget(job, 'status')));
  };

  it('reads the body of an admitted key while its admission is held back', async () => {
    // Pauses expire by themselves, so a failing test cannot leave Redis stalled.
    await control.call('CLIENT', 'PAUSE', '15000', 'WRITE');
    const answer = postImage(gateway.url);
    expect(await eventually(heldBytes, (bytes) => bytes > 0, 10_000)).toBeGreaterThan(0);
    await control.call('CLIENT', 'UNPAUSE');
    expect((await answer).status).toBe(200);
  });

  it('answers the client while its finish is still held back, and records the finish after', async () => {
    await simulator.faults({ next: [{ kind: 'latency', ms: 1000 }] });
    const answer = postImage(gateway.url);
    // Claimed (and its budget reserved): the upstream is holding the upload.
    await eventually(jobStatuses, (statuses) => statuses.includes('active'), 10_000);
    await control.call('CLIENT', 'PAUSE', '15000', 'WRITE');
    expect((await answer).status).toBe(200);
    expect(await jobStatuses()).toContain('active');
    await control.call('CLIENT', 'UNPAUSE');
    expect(await eventually(jobStatuses, (statuses) => statuses.every((status) => status === 'done'))).not.toContain('active');
    // The finish ran when Redis let it through: it never failed (an answer that waited for it would have seen it time out).
    expect((await gateway.metrics.storeErrors.get()).values.filter((value) => value.labels.operation === 'finish')).toEqual([]);
  });
});
