import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashSecret } from '../../src/keys/secret.js';
import { RedisKeys } from '../../src/redis/keys.js';
import type { GatewayProcess } from '../support/gateway-process.js';
import { connectRedis } from '../support/redis.js';
import { spawnSimulator, type SpawnedSimulator } from '../support/simulator.js';
import { distinctPng, E2eSandbox, type E2eStore } from '../e2e/e2e-fixture.js';
import { admin, startTrustGateway, stores, roomyUpstream } from './trust-fixture.js';

const absurd: Array<[string, unknown, RegExp]> = [
  ['window 10^12 days', { perKey: [{ limit: 1, window: '1000000000000d' }] }, /"quotas\.perKey\.0\.window": must be at most 366d/],
  ['window 10^20 days', { perKey: [{ limit: 1, window: '99999999999999999999d' }] }, /"quotas\.perKey\.0\.window": must be at most 366d/],
  ['window 1e300 ms', { perIp: [{ limit: 1, window: 1e300 }] }, /"quotas\.perIp\.0\.window": must be at most 366d/],
  ['window of 400 nines', { perKey: [{ limit: 1, window: `${'9'.repeat(400)}d` }] }, /"quotas\.perKey\.0\.window": must be at most 366d/],
  ['limit past 2^31', { perKey: [{ limit: 2 ** 31 + 1, window: '1h' }] }, /"quotas\.perKey\.0\.limit"/],
  ['limit 1e300', { perKey: [{ limit: 1e300, window: '1h' }] }, /"quotas\.perKey\.0\.limit"/],
];

describe.each(stores)('key limits stay sane and survive restarts (%s store)', (store: E2eStore) => {
  let sandbox: E2eSandbox;
  let simulator: SpawnedSimulator;
  let gateway: GatewayProcess;

  beforeEach(async () => {
    sandbox = await E2eSandbox.open();
    simulator = await spawnSimulator(['--ip-limit', '1000/1h']);
    gateway = await startTrustGateway(sandbox, store, {
      upstream: roomyUpstream(simulator.url),
      log: { level: 'warn' },
    });
  });

  afterEach(async () => {
    await gateway?.dispose();
    await simulator?.stop();
    await sandbox?.cleanup();
  });

  const upload = async (key: string) =>
    (await fetch(`${gateway.url}/3/image`, { method: 'POST', headers: { authorization: `Client-ID ${key}`, 'content-type': 'image/png' }, body: new Uint8Array(distinctPng().bytes) })).status;

  it('refuses each absurd window and limit 400/9000 naming the field, on create and on change', async () => {
    const created = await admin(gateway, 'POST', '/admin/keys', { id: 'sane' });
    expect(created.status).toBe(201);
    for (const [what, quotas, message] of absurd) {
      const create = await admin(gateway, 'POST', '/admin/keys', { id: 'absurd', quotas });
      expect(create.status, what).toBe(400);
      expect(create.body.data, what).toMatchObject({ code: 9000, error: expect.stringMatching(message) });
      const change = await admin(gateway, 'PATCH', '/admin/keys/sane', { quotas });
      expect(change.status, what).toBe(400);
      expect(change.body.data.error, what).toMatch(message);
    }
    expect((await admin(gateway, 'GET', '/admin/keys/absurd')).status).toBe(404);
    expect(await upload(created.body.key)).toBe(200);
  });

  it('keeps a stored key and what it used across a restart', async () => {
    const created = await admin(gateway, 'POST', '/admin/keys', { id: 'tight', quotas: { perKey: [{ limit: 2, window: '1h' }] } });
    expect([await upload(created.body.key), await upload(created.body.key), await upload(created.body.key)]).toEqual([200, 200, 429]);
    await gateway.stop('SIGTERM');
    await gateway.restart();
    expect(await upload(created.body.key)).toBe(429);
    const shown = await admin(gateway, 'GET', '/admin/keys/tight');
    expect(shown.body.windows.find((window: { name: string }) => window.name === 'key-1h')).toMatchObject({ limit: 2, used: 2, remaining: 0 });
  });

  it('refuses to use a stored key record whose window is not a number', async () => {
    const created = await admin(gateway, 'POST', '/admin/keys', { id: 'broken', quotas: { perKey: [{ limit: 1, window: '1h' }] } });
    expect(created.status).toBe(201);
    await gateway.stop('SIGTERM');
    if (store === 'embedded') {
      // What JSON.stringify(Infinity) wrote before windows were bounded.
      const file = join(sandbox.dir, 'spool', 'keys.json');
      const keys = JSON.parse(await readFile(file, 'utf8')) as Array<{ record: { quotas: { perKey: Array<{ window: unknown }> } } }>;
      keys[0]!.record.quotas.perKey[0]!.window = null;
      await writeFile(file, JSON.stringify(keys));
      const failure = await gateway.restart().then(
        () => undefined,
        (error: Error) => error,
      );
      expect(failure?.message).toMatch(/key "broken" is invalid: record\.quotas\.perKey\.0\.window/);
      expect(failure?.message).toContain('gateway exited before ready (code 1');
      return;
    }
    const redis = await connectRedis();
    const field = new RedisKeys(sandbox.prefix).apiKeyBySecretHash(hashSecret(created.body.key));
    const record = JSON.parse((await redis.hget(field, 'record'))!) as { quotas: { perKey: Array<{ window: unknown }> } };
    record.quotas.perKey[0]!.window = null;
    await redis.hset(field, 'record', JSON.stringify(record));
    await redis.quit();
    await gateway.restart();
    // Never admitted on a window it cannot compute: the gateway's own fault, charged nothing.
    expect([await upload(created.body.key), await upload(created.body.key)]).toEqual([500, 500]);
    expect((await simulator.stats()).uploads).toBe(0);
    expect(gateway.output()).toMatch(/key \\"broken\\" is invalid/);
  });
});
