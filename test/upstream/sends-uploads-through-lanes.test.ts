import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/ops/metrics.js';
import { createUpstreamClient } from '../../src/upstream/client.js';
import type { UpstreamClient } from '../../src/upstream/types.js';
import { largePng, png1x1 } from '../support/images.js';
import { spawnSimulator, type SpawnedSimulator } from '../support/simulator.js';
import { payloadFixture } from './client-fixture.js';

let simulator: SpawnedSimulator;
let fixture: Awaited<ReturnType<typeof payloadFixture>>;
let client: UpstreamClient;
const metrics = createMetrics();
const lane = { id: 'lane2', clientId: 'cid-2', localAddress: '127.0.0.2' };

beforeAll(async () => {
  [simulator, fixture] = await Promise.all([spawnSimulator(['--ip-limit', '50/1h']), payloadFixture()]);
  client = createUpstreamClient({ url: simulator.url, timeoutMs: 10_000, payloads: fixture.payloads, metrics });
});

afterAll(async () => {
  await client.close();
  await simulator.stop();
  await fixture.remove();
});

describe('upstream client', () => {
  it('streams the bytes intact through the lane’s own address and credential, with the fields', async () => {
    const bytes = largePng(3 * 1024 * 1024 + 7);
    const upload = await fixture.upload(bytes, { fields: { name: 'big.png', title: 'Big', description: 'Many bytes' } });
    const answer = await client.send(lane, upload);
    expect(answer).toMatchObject({ kind: 'ok', image: { type: 'image/png', width: 1, height: 1, size: bytes.length } });
    expect(answer.limits.post).toMatchObject({ limit: 50, remaining: 49 });
    expect(answer.limits.client?.remaining).toBeGreaterThan(0);
    const received = (await simulator.stats()).received;
    expect(received).toHaveLength(1);
    const source = upload.source as { ref: string };
    expect(received[0]).toMatchObject({ sha256: source.ref, size: bytes.length, ip: '127.0.0.2', clientId: 'cid-2', fields: { name: 'big.png', title: 'Big', description: 'Many bytes', type: 'file' } });
    expect(answer.kind === 'ok' && answer.image.id).toBe(received[0]!.id);
  });

  it('sends an account upload with the client’s Bearer token instead of the lane’s Client-ID', async () => {
    const answer = await client.send(lane, await fixture.upload(png1x1, { bearer: 'user-token-9' }));
    expect(answer.kind).toBe('ok');
    expect((await simulator.stats()).received.at(-1)).toMatchObject({ bearer: 'user-token-9' });
    expect((await simulator.stats()).received.at(-1)?.clientId).toBeUndefined();
  });

  it('sends a URL source as a URL for the upstream to fetch', async () => {
    const answer = await client.send(lane, { keyId: 'app1', source: { kind: 'url', url: 'http://127.0.0.1:9/cat.jpg' }, fields: { title: 'Cat' } });
    expect(answer).toMatchObject({ kind: 'ok', image: { type: 'image/jpeg' } });
    expect((await simulator.stats()).received.at(-1)).toMatchObject({ url: 'http://127.0.0.1:9/cat.jpg', fields: { type: 'url', title: 'Cat' } });
  });

  it('gives each lane its own source address', async () => {
    await client.send({ id: 'lane3', clientId: 'cid-3', localAddress: '127.0.0.3' }, await fixture.upload(png1x1));
    expect((await simulator.stats()).byIp).toMatchObject({ '127.0.0.2': 3, '127.0.0.3': 1 });
  });

  it('counts upstream answers by lane and status', async () => {
    const counted = (await metrics.upstreamResponses.get()).values.find((value) => value.labels.lane === 'lane2' && value.labels.status === '200');
    expect(counted?.value).toBe(3);
  });
});
