import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isGatewayError } from '../../src/errors/catalogue.js';
import { waitReady } from '../../src/redis/connect.js';
import { keyRecord, openHarness, type Harness } from './support/harness.js';
import { RedisProcess } from '../support/redis-process.js';

const quotas = { perKey: [{ limit: 3, window: '1h' }], perIp: [{ limit: 100, window: '1h' }] };
const key = keyRecord('app');

function redisOf(harness: Harness) {
  if (harness.backend.kind !== 'redis') throw new Error('expected a Redis backend');
  return harness.backend.redis;
}

// Each test kills and restarts a redis-server of its own.
describe('when Redis goes away mid-run', () => {
  let server: RedisProcess;
  let harness: Harness;
  beforeEach(async () => {
    server = await RedisProcess.start();
  });
  afterEach(async () => {
    await harness.close();
    await server.kill();
  });

  it('fails closed with 503/1020 and Retry-After, then admits again once Redis is back, on the same client', async () => {
    harness = await openHarness('redis', { store: { redisUrl: server.url }, quotas });
    const client = redisOf(harness);
    expect((await harness.admission.admit(key, '10.7.0.1')).admitted).toBe(true);

    await server.kill();
    const failure = await harness.admission.admit(key, '10.7.0.1').then(() => undefined, (error: unknown) => error);
    expect(isGatewayError(failure) && [failure.code, failure.status, failure.retryAfterSeconds]).toEqual([1020, 503, 2]);
    const errors = await harness.metrics.storeErrors.get();
    expect(errors.values).toEqual([expect.objectContaining({ labels: { operation: 'admit' }, value: 1 })]);

    await server.restart();
    await waitReady(client, 10_000);
    expect(redisOf(harness)).toBe(client);
    expect((await harness.admission.admit(key, '10.7.0.1')).admitted).toBe(true);
  });

  it('limits from memory instead when store.onFailure is insurance', async () => {
    harness = await openHarness('redis', { store: { redisUrl: server.url, onFailure: 'insurance' }, quotas });
    await server.kill();
    const decisions = [];
    for (let i = 0; i < 4; i++) decisions.push(await harness.admission.admit(key, '10.7.0.2'));
    expect(decisions.map((d) => d.admitted)).toEqual([true, true, true, false]);
    expect(decisions[3]!.windows[0]).toMatchObject({ name: 'key-1h', used: 3, remaining: 0 });
    expect(decisions[3]!.retryAfterSeconds).toBeGreaterThan(0);

    await server.restart();
    await waitReady(redisOf(harness), 10_000);
    // Back on Redis, whose counters never saw the insured admissions.
    expect((await harness.admission.admit(key, '10.7.0.2')).windows[0]!.used).toBe(1);
  });
});
