import { Redis } from 'ioredis';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createLogger } from '../../src/ops/logger.js';
import { createMetrics } from '../../src/ops/metrics.js';
import { createUploadQueue } from '../../src/queue/upload-queue.js';
import type { UploadQueue } from '../../src/queue/types.js';
import { RedisKeys } from '../../src/redis/keys.js';
import { openBackend } from '../../src/store/backend.js';
import { HeldPayloadStore } from '../../src/store/held-payload-store.js';
import type { Lane, UpstreamAnswer, UpstreamClient } from '../../src/upstream/types.js';
import { RedisProcess } from '../support/redis-process.js';
import { lanesConfig, okAnswer, queueConfig } from './queue-fixture.js';

/** Writes are paused on Redis from the moment the upstream answers, so the finish can only land after the pause. */
const pauseMs = 1_500;

let redis: RedisProcess;
let control: Redis;
let queue: UploadQueue | undefined;
beforeEach(async () => {
  redis = await RedisProcess.start();
  control = new Redis(redis.url);
});
afterEach(async () => {
  await queue?.stop(0);
  control.disconnect();
  await redis.remove();
});

it("answers a cut-through upload as soon as the upstream has, while its finish is still being written; stop() waits for that write", async () => {
  const config = queueConfig({ store: { redisUrl: redis.url, commandTimeout: '5s' }, upstream: lanesConfig(1, '100/1h') });
  const upstream: UpstreamClient = {
    async send(lane: Lane, upload): Promise<UpstreamAnswer> {
      await control.call('CLIENT', 'PAUSE', String(pauseMs), 'WRITE');
      return okAnswer(lane, upload, 1);
    },
    async close() {},
  };
  const backend = await openBackend(config);
  const held = await HeldPayloadStore.open();
  queue = await createUploadQueue({ config, backend, upstream, held, weightOf: async () => 1, metrics: createMetrics(), logger: createLogger('silent') });
  await queue.start();

  const answer = await queue.submit({ keyId: 'app', source: { kind: 'url', url: 'https://example.test/a.png' }, fields: {} }, { waitMs: 10_000, held: true });
  expect(answer.state).toBe('done');
  // Read on a connection of its own (the queue's waits behind its paused finish): the job is still in flight.
  expect(await control.hget(new RedisKeys(config.store.prefix).queueJob(answer.job.id), 'status')).toBe('active');

  await queue.stop(10_000);
  queue = undefined;
  expect(await control.hget(new RedisKeys(config.store.prefix).queueJob(answer.job.id), 'status')).toBe('done');
  await backend.close();
  await held.close();
});
