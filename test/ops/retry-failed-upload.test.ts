import { createHash, randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/simulator/server.js';
import { uniquePng } from '../gateway/gateway-fixture.js';
import { startInProcessGateway, type InProcessGateway } from '../support/in-process-gateway.js';
import { connectRedis, keysUnder, redisUrl } from '../support/redis.js';
import { eventually } from '../support/eventually.js';

/** How long a finished job's record (and a failed one's image) is kept: short, so expiry is seen within the test. */
const resultTtlMs = 4_000;

const stores: Array<[name: string, redisUrl: () => string | null]> = [
  ['redis', () => redisUrl()],
  ['embedded', () => null],
];

describe.each(stores)('%s store: retrying a failed image upload', (store, url) => {
  const adminToken = `admin-${randomBytes(12).toString('hex')}`;
  const appKey = `k_app1_${randomBytes(12).toString('hex')}`;
  let simulator: Simulator;
  let fixture: InProcessGateway;
  let redis: Redis | undefined;

  beforeAll(async () => {
    simulator = await startSimulator({ ipLimits: [{ limit: 1_000, windowMs: 3_600_000 }] });
    fixture = await startInProcessGateway(
      {
        admin: { token: adminToken },
        keys: [{ id: 'app1', key: appKey }],
        queue: { resultTtl: resultTtlMs },
        upstream: { url: simulator.url, attempts: 1, lanes: [{ id: 'lane1', clientId: 'sim-client', localAddress: '127.0.0.2', limits: [{ limit: 1_000, window: '1h' }] }] },
      },
      { redisUrl: url() },
    );
    if (store === 'redis') redis = await connectRedis();
  });
  afterAll(async () => {
    await redis?.quit();
    await fixture?.close();
    await simulator?.close();
  });

  const admin = async (method: string, path: string) => {
    const response = await fetch(`${fixture.gateway.url}${path}`, { method, headers: { authorization: `Bearer ${adminToken}` } });
    return { status: response.status, body: (await response.json()) as any };
  };
  const failNext = () => fetch(`${simulator.url}/_sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ next: [{ kind: 'status', status: 400, message: 'Image is corrupt' }] }) });
  const post = async (body: Uint8Array<ArrayBuffer>, headers: Record<string, string> = {}) => {
    const response = await fetch(`${fixture.gateway.url}/3/image`, { method: 'POST', headers: { 'x-api-key': appKey, 'content-type': 'image/png', ...headers }, body });
    return { status: response.status, body: (await response.json()) as any };
  };
  const statusOf = (id: string) => admin('GET', `/admin/jobs/${id}`).then((answer) => (answer.status === 404 ? 'gone' : (answer.body.status as string)));
  const deliveries = (sha256: string) => simulator.stats().received.filter((record) => record.sha256 === sha256).length;
  /** Every blob id seen naming these bytes' chunks, so chunks outliving their metadata are still found. */
  const blobs = new Map<string, Set<string>>();
  /** What the store still holds of these bytes: Redis keys naming the payload or one of its blobs' chunks, or spool files. */
  const stored = async (sha256: string): Promise<string[]> => {
    if (redis) {
      const prefix = fixture.gateway.config.store.prefix;
      const seen = blobs.get(sha256) ?? new Set<string>();
      blobs.set(sha256, seen);
      const keys = await keysUnder(redis, prefix);
      for (const key of keys.filter((name) => name.endsWith(`payload:${sha256}`))) {
        const blob = await redis.hget(key, 'blob');
        if (blob) seen.add(blob);
      }
      return keys.filter((key) => key.endsWith(sha256) || [...seen].some((blob) => key.startsWith(`${prefix}payload:${blob}:`)));
    }
    return (await readdir(join(fixture.gateway.config.store.spoolDir, 'payloads'))).filter((name) => name === sha256);
  };
  /** A queued upload of fresh bytes that the upstream refuses (400): its job fails. */
  const failedQueuedUpload = async () => {
    const body = uniquePng();
    await failNext();
    const accepted = await post(body, { prefer: 'respond-async' });
    expect(accepted.status).toBe(202);
    const id = accepted.body.data.id as string;
    await eventually(() => statusOf(id), (status) => status === 'failed');
    return { id, sha256: createHash('sha256').update(body).digest('hex') };
  };

  it('keeps the image of a failed queued upload, so a retry delivers it; purged, nothing of it is left', async () => {
    const failed = await failedQueuedUpload();
    expect(deliveries(failed.sha256)).toBe(0);
    expect(await stored(failed.sha256)).not.toEqual([]);

    const retried = await admin('POST', `/admin/jobs/${failed.id}/retry`);
    expect(retried.status).toBe(201);
    expect(retried.body).toMatchObject({ keyId: 'app1' });
    await eventually(() => statusOf(retried.body.id), (status) => status === 'done');
    expect(deliveries(failed.sha256)).toBe(1);
    // The retry is done; the failed record still keeps the image, and the purge lets it go.
    expect(await stored(failed.sha256)).not.toEqual([]);

    expect((await admin('POST', '/admin/jobs/purge')).body.purged).toBeGreaterThanOrEqual(1);
    expect(await statusOf(failed.id)).toBe('gone');
    // Its chunks go with the next batch of discarded chunks, a moment later.
    await eventually(() => stored(failed.sha256), (left) => left.length === 0);
  });

  it('lets a failed upload’s image expire with its record', async () => {
    const failed = await failedQueuedUpload();
    expect(await stored(failed.sha256)).not.toEqual([]);
    await eventually(() => statusOf(failed.id), (status) => status === 'gone', resultTtlMs + 10_000);
    await eventually(() => stored(failed.sha256), (left) => left.length === 0, 10_000);
  });

  it('says the image of a failed cut-through upload was never stored: its client must send it again', async () => {
    await failNext();
    expect((await post(uniquePng())).status).toBe(502);
    const [failed] = (await admin('GET', '/admin/jobs?status=failed&limit=1000')).body.jobs as Array<{ id: string }>;
    const retried = await admin('POST', `/admin/jobs/${failed!.id}/retry`);
    expect(retried.status).toBe(409);
    expect(retried.body.data.error).toContain('no longer stored: the client must upload it again');
  });
});
