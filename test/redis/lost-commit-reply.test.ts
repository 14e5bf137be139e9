import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis, waitReady } from '../../src/redis/connect.js';
import { chunkBytes } from '../../src/store/redis-payload-store.js';
import { holdTtlMs, stagingTtlMs } from '../../src/store/redis-payload-lifetime.js';
import { appKey, startFixtureGateway } from '../gateway/gateway-fixture.js';
import { png1x1 } from '../support/images.js';
import type { InProcessGateway } from '../support/in-process-gateway.js';
import { RedisProcess } from '../support/redis-process.js';
import { keysUnder } from '../support/redis.js';
import { spawnSimulator, type SpawnedSimulator } from '../support/simulator.js';
import { eventually } from '../support/eventually.js';

/**
 * The commit of an upload's payload, and the enqueue sent right behind it, run after their caller
 * gave up on them: their replies are lost (the commands timed out while Redis held them back), the
 * client was answered 503, and both still run once Redis lets them through. The enqueue, past its
 * deadline, creates no job (a 503 is never delivered), and nothing the commit wrote stays for ever.
 */
describe('a payload commit whose reply is lost', () => {
  let redis: RedisProcess;
  let simulator: SpawnedSimulator;
  let fixture: InProcessGateway;
  let control: Redis;

  beforeAll(async () => {
    // A Redis of its own: pausing its writes must not stall other test files.
    redis = await RedisProcess.start();
    simulator = await spawnSimulator([]);
    fixture = await startFixtureGateway({
      redisUrl: redis.url,
      store: { commandTimeout: '300ms' },
      upstream: { url: simulator.url, lanes: [{ id: 'lane1', clientId: 'sim-client', localAddress: '127.0.0.2', limits: [{ limit: 1_000, window: '1h' }] }] },
    });
    control = createRedis(redis.url, { commandTimeoutMs: 5_000 }) as Redis;
    await waitReady(control);
  });

  afterAll(async () => {
    await control?.call('CLIENT', 'UNPAUSE').catch(() => {});
    control?.disconnect();
    await fixture?.close();
    await simulator?.stop();
    await redis?.remove();
  });

  it('answers 503 and leaves only keys that expire by themselves', async () => {
    const prefix = fixture.gateway.config.store.prefix;
    // Exactly one chunk of bytes: it is written while the body streams, so only the commit is left when the body ends.
    const bytes = Buffer.concat([png1x1, Buffer.alloc(chunkBytes - png1x1.length, 7)]);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    let end!: () => void;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new Uint8Array(bytes));
        end = () => controller.close();
      },
    });
    const answer = fetch(`${fixture.gateway.url}/3/image`, {
      method: 'POST',
      headers: { 'x-api-key': appKey, 'content-type': 'image/png', prefer: 'respond-async' },
      body,
      duplex: 'half',
    } as RequestInit);

    await eventually(() => keysUnder(control, `${prefix}payload:`), (chunks) => chunks.length === 1);
    // Writes (scripts included) wait from here: the commit outlasts its 300 ms command timeout.
    await control.call('CLIENT', 'PAUSE', '10000', 'WRITE');
    end();
    const response = await answer;
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).not.toBeNull();
    await control.call('CLIENT', 'UNPAUSE');

    // The commit runs late and records the payload: held for a request that is gone, it expires.
    const meta = `${prefix}{queue}:payload:${sha256}`;
    await eventually(() => control.exists(meta), (exists) => exists === 1);
    const [chunk] = await keysUnder(control, `${prefix}payload:`);
    expect(await control.hget(meta, 'refs')).toBeNull();
    expect(await control.pttl(meta)).toBeGreaterThan(0);
    expect(await control.pttl(meta)).toBeLessThanOrEqual(holdTtlMs);
    expect(await control.pttl(chunk!)).toBeGreaterThan(0);
    expect(await control.pttl(chunk!)).toBeLessThanOrEqual(stagingTtlMs);
    // No job was created for it, and every key the gateway wrote expires.
    expect((await fixture.gateway.queue.stats()).depth).toBe(0);
    const persistent = [];
    for (const key of await keysUnder(control, prefix)) if ((await control.pttl(key)) < 0) persistent.push(key);
    expect(persistent).toEqual([]);
  });
});
