import { createHash } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/gateway.js';
import { idempotencyScope } from '../../src/queue/job-record.js';
import { RedisKeys } from '../../src/redis/keys.js';
import { multipart } from '../http/upload-harness.js';
import { images, largePng } from '../support/images.js';
import { eventually } from '../support/eventually.js';
import { connectRedis, redisUrl } from '../support/redis.js';
import { spawnSimulator, type SpawnedSimulator, type SimStats } from '../support/simulator.js';
import { appKey, startFixtureGateway } from './gateway-fixture.js';

const png = images.png;
const base64 = png.toString('base64');
const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

const large = largePng(900 * 1024);

/** Every form and format a client sends, with the image bytes the upstream must receive (none for a URL). */
const forms: Array<{ name: string; path: string; bytes?: Buffer; body: () => { body: Buffer | string; contentType: string } }> = [
  { name: 'a multipart file part with a filename', path: '/3/image', bytes: png, body: () => multipart([{ name: 'image', value: png, filename: 'cat.png', contentType: 'image/png' }, { name: 'title', value: 'T' }]) },
  { name: 'a multipart file part without a filename', path: '/3/upload', bytes: png, body: () => multipart([{ name: 'image', value: png, contentType: 'application/octet-stream' }]) },
  { name: 'a multipart base64 text part', path: '/3/image', bytes: png, body: () => multipart([{ name: 'image', value: base64 }, { name: 'type', value: 'base64' }, { name: 'description', value: 'Déjà vu' }]) },
  { name: 'urlencoded base64 with a legacy caption', path: '/1/upload.json', bytes: png, body: () => ({ body: new URLSearchParams({ image: base64, caption: 'old' }).toString(), contentType: 'application/x-www-form-urlencoded' }) },
  { name: 'JSON base64 with a data: prefix', path: '/2/upload.json', bytes: png, body: () => ({ body: JSON.stringify({ image: `data:image/png;base64,${base64}`, name: 'n.png' }), contentType: 'application/json' }) },
  { name: 'a JSON URL', path: '/3/image', body: () => ({ body: JSON.stringify({ image: 'https://example.com/x.jpg' }), contentType: 'application/json' }) },
  { name: 'raw bytes', path: '/3/image', bytes: png, body: () => ({ body: png, contentType: 'image/png' }) },
  { name: 'raw bytes past the in-memory size (held in a temporary file), legacy XML', path: '/api/upload.xml', bytes: large, body: () => ({ body: large, contentType: 'application/octet-stream' }) },
];

async function post(url: string, path: string, body: Buffer | string, contentType: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${url}${path}`, { method: 'POST', headers: { 'x-api-key': appKey, 'content-type': contentType, ...headers }, body: typeof body === 'string' ? body : new Uint8Array(body) });
  const text = await response.text();
  return { status: response.status, text, body: text.startsWith('{') ? JSON.parse(text) : undefined, location: response.headers.get('location') };
}

/** Uploads by the path they took, from the gateway's own metric. */
async function paths(gateway: Gateway): Promise<{ direct: number; queued: number }> {
  const { values } = await gateway.metrics.uploadPaths.get();
  const of = (path: string) => values.find((value) => value.labels.path === path)?.value ?? 0;
  return { direct: of('direct'), queued: of('queued') };
}

/** What reached the upstream of one upload, without what differs by attempt (id, time). */
function received(record: SimStats['received'][number]) {
  const { sha256, url, size, fields } = record;
  return { sha256, url, size, fields };
}

async function payloadKeys(gateway: Gateway): Promise<string[]> {
  if (!gateway.config.store.redisUrl) return [];
  const redis = await connectRedis();
  try {
    return await redis.keys(`${gateway.config.store.prefix}payload*`);
  } finally {
    await redis.quit();
  }
}

describe.each([
  ['redis', redisUrl()],
  ['embedded', null],
] as const)('%s store: uploads forwarded straight (cut-through)', (_kind, storeUrl) => {
  let simulator: SpawnedSimulator;
  const gateways: Record<'plain' | 'dedupe', Awaited<ReturnType<typeof startFixtureGateway>>> = {} as never;
  // One forward at a time from the queue, so a second queued job really waits.
  const start = (dedupe: boolean) =>
    startFixtureGateway({
      redisUrl: storeUrl,
      server: { maxWait: '20s', maxUploadBytes: '2MB' },
      upstream: { url: simulator.url, timeout: '5s', attempts: 3, retryBackoff: '10ms', lanes: [{ id: 'lane1', clientId: 'sim-client' }] },
      queue: { dedupe, concurrency: 1 },
    });

  /** Whether an upload with this Idempotency-Key has been claimed (is being forwarded or done). */
  async function claimed(gateway: Gateway, idempotencyKey: string): Promise<boolean> {
    if (!storeUrl) return (await gateway.queue.list()).some((job) => job.status === 'active');
    const redis = await connectRedis();
    try {
      return (await redis.exists(new RedisKeys(gateway.config.store.prefix).queueIdempotency('app1', idempotencyScope({ idempotencyKey })!))) === 1;
    } finally {
      await redis.quit();
    }
  }

  beforeAll(async () => {
    simulator = await spawnSimulator();
    gateways.plain = await start(false);
    gateways.dedupe = await start(true);
  });
  afterAll(async () => {
    await Promise.all(Object.values(gateways).map((fixture) => fixture.close()));
    await simulator.stop();
  });
  afterEach(() => simulator.reset());

  it.each(forms)('takes $name straight to the upstream, exactly as the queue sends it', async ({ path, bytes, body }) => {
    const { gateway } = gateways.plain;
    const before = await paths(gateway);
    const { body: payload, contentType } = body();
    const direct = await post(gateway.url, path, payload, contentType);
    expect(direct.status).toBe(200);
    expect(await paths(gateway)).toEqual({ direct: before.direct + 1, queued: before.queued });

    const queued = await post(gateway.url, path, payload, contentType, { prefer: 'respond-async' });
    expect(queued.status).toBe(202);
    await eventually(() => fetch(`${gateway.url}${queued.location}`, { headers: { 'x-api-key': appKey } }).then((r) => r.json()), (answer) => (answer.job?.status ?? answer.data.status) === 'done');
    const sent = (await simulator.stats()).received.map(received);
    expect(sent).toHaveLength(2);
    expect(sent[1]).toEqual(sent[0]);
    if (bytes) expect(sent[0]).toMatchObject({ sha256: sha(bytes), size: bytes.length });
    // Deleted with the next batch of discarded chunks, a moment later.
    await eventually(() => payloadKeys(gateway), (keys) => keys.length === 0);
  });

  it('answers a repeated Idempotency-Key with the first upload, forwarded straight or queued', async () => {
    const { gateway } = gateways.plain;
    const first = await post(gateway.url, '/3/image', png, 'image/png', { 'idempotency-key': 'direct-1' });
    const again = await post(gateway.url, '/3/image', png, 'image/png', { 'idempotency-key': 'direct-1' });
    expect(first.status).toBe(200);
    expect(again.body.data.id).toBe(first.body.data.id);

    const queued = await post(gateway.url, '/3/image', png, 'image/png', { 'idempotency-key': 'queued-1', prefer: 'respond-async' });
    expect(queued.status).toBe(202);
    const repeat = await post(gateway.url, '/3/image', png, 'image/png', { 'idempotency-key': 'queued-1' });
    expect(repeat.status).toBe(200);
    expect((await simulator.stats()).uploads).toBe(2);
  });

  it('answers a repeat sent while the first is still being forwarded with the first upload', async () => {
    const { gateway } = gateways.plain;
    await simulator.faults({ next: [{ kind: 'latency', ms: 500 }] });
    const first = post(gateway.url, '/3/image', png, 'image/png', { 'idempotency-key': 'slow-1' });
    await eventually(() => claimed(gateway, 'slow-1'), Boolean);
    const [a, b] = await Promise.all([first, post(gateway.url, '/3/image', png, 'image/png', { 'idempotency-key': 'slow-1' })]);
    expect(a.status).toBe(200);
    expect(b.body.data.id).toBe(a.body.data.id);
    expect((await simulator.stats()).uploads).toBe(1);
  });

  it('dedupes identical bytes across the switch: straight first, then queued; queued first, then straight', async () => {
    const { gateway } = gateways.dedupe;
    const image = largePng(2048);
    const direct = await post(gateway.url, '/3/image', image, 'image/png');
    const asyncRepeat = await post(gateway.url, '/3/image', image, 'image/png', { prefer: 'respond-async' });
    expect(direct.status).toBe(200);
    // The earlier job is done: the repeat is answered by it at once, not queued again.
    expect(asyncRepeat.status).toBe(200);
    expect(asyncRepeat.body.data.id).toBe(direct.body.data.id);

    const other = largePng(4096);
    const queued = await post(gateway.url, '/3/image', other, 'image/png', { prefer: 'respond-async' });
    expect(queued.status).toBe(202);
    const syncRepeat = await post(gateway.url, '/3/image', other, 'image/png');
    expect(syncRepeat.status).toBe(200);
    expect((await simulator.stats()).uploads).toBe(2);
    expect(await paths(gateway)).toMatchObject({ direct: 1, queued: 1 });
  });

  it('queues an upload the upstream answered 5xx, and the client gets the retry`s answer', async () => {
    const { gateway } = gateways.plain;
    const before = await paths(gateway);
    await simulator.faults({ next: [{ kind: 'status', status: 503 }] });
    const answer = await post(gateway.url, '/3/image', large, 'image/png');
    expect(answer.status).toBe(200);
    const stats = await simulator.stats();
    expect({ faults: stats.faults, uploads: stats.uploads }).toEqual({ faults: 1, uploads: 1 });
    expect(stats.received[0]).toMatchObject({ sha256: sha(large), size: large.length });
    expect(await paths(gateway)).toEqual({ direct: before.direct, queued: before.queued + 1 });
    // Deleted with the next batch of discarded chunks, a moment later.
    await eventually(() => payloadKeys(gateway), (keys) => keys.length === 0);
  });

  it('queues behind jobs already waiting, so fair queueing keeps its meaning', async () => {
    const { gateway } = gateways.plain;
    await simulator.faults({ next: [{ kind: 'latency', ms: 300 }, { kind: 'latency', ms: 300 }] });
    const before = await paths(gateway);
    // Two queued jobs: one is sent at once (slowly), the other waits.
    const waiting = [1, 2].map((n) => post(gateway.url, '/3/image', largePng(1000 + n), 'image/png', { prefer: 'respond-async' }));
    await Promise.all(waiting);
    await eventually(() => gateway.queue.stats(), (stats) => stats.depth >= 1);
    expect((await post(gateway.url, '/3/image', largePng(1010), 'image/png')).status).toBe(200);
    expect((await paths(gateway)).direct).toBe(before.direct);
  });
});
