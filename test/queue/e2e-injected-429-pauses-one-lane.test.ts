import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { startGateway, type Gateway } from '../../src/gateway.js';
import { createLogger } from '../../src/ops/logger.js';
import { connectRedis, redisUrl, removePrefix, testPrefix } from '../support/redis.js';
import { png1x1 } from '../support/images.js';
import { spawnSimulator, type SpawnedSimulator } from '../support/simulator.js';

let simulator: SpawnedSimulator;
let gateway: Gateway;
let spoolDir: string;
const prefix = testPrefix();

beforeAll(async () => {
  simulator = await spawnSimulator(['--ip-limit', '10/10s']);
  spoolDir = await mkdtemp(join(tmpdir(), 'upgate-e2e-'));
  const limits = [{ limit: 10, window: '10s' }];
  const config = parseConfig({
    server: { host: '127.0.0.1', port: 0, maxWait: '20s' },
    store: { redisUrl: redisUrl(), prefix, spoolDir },
    keys: [{ id: 'app1', key: 'k_app1_e2e_secret' }],
    queue: { dedupe: false },
    upstream: {
      url: simulator.url,
      lanes: [
        { id: 'lane1', clientId: 'cred1', localAddress: '127.0.0.2', limits },
        { id: 'lane2', clientId: 'cred2', localAddress: '127.0.0.3', limits },
      ],
    },
    log: { level: 'silent' },
  });
  gateway = await startGateway({ config, logger: createLogger('silent') });
});

afterAll(async () => {
  await gateway.close(1_000);
  await simulator.stop();
  const redis = await connectRedis();
  await removePrefix(redis, prefix);
  await redis.quit();
  await rm(spoolDir, { recursive: true, force: true });
});

it('a 429 with an HTML body and no Retry-After pauses only that lane, and the upload still completes', async () => {
  await simulator.faults({ next: [{ kind: 'rate-limit', html: true, retryAfter: false, ip: '127.0.0.2' }] });
  const answers = [];
  for (let i = 0; i < 2; i++) {
    const response = await fetch(`${gateway.url}/3/image`, { method: 'POST', headers: { authorization: 'Client-ID k_app1_e2e_secret', 'content-type': 'image/png' }, body: png1x1 });
    answers.push({ status: response.status, body: (await response.json()) as { success: boolean } });
  }
  expect(answers.map((a) => a.status)).toEqual([200, 200]);
  const lanes = await gateway.queue.lanes();
  expect(lanes.find((l) => l.id === 'lane1')!.pausedUntil).toBeGreaterThan(Date.now());
  expect(lanes.find((l) => l.id === 'lane2')!.pausedUntil).toBeUndefined();
  const stats = await simulator.stats();
  expect(stats.uploads).toBe(2);
  expect(stats.byIp['127.0.0.3']).toBe(2);
});
