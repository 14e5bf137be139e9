import { createServer } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ErrorBodyShape } from '../../src/simulator/faults.js';
import { createMetrics } from '../../src/ops/metrics.js';
import { createUpstreamClient } from '../../src/upstream/client.js';
import type { UpstreamClient } from '../../src/upstream/types.js';
import { png1x1 } from '../support/images.js';
import { spawnSimulator, type SpawnedSimulator } from '../support/simulator.js';
import { payloadFixture } from './client-fixture.js';

let simulator: SpawnedSimulator;
let fixture: Awaited<ReturnType<typeof payloadFixture>>;
let client: UpstreamClient;
const metrics = createMetrics();
const lane = { id: 'lane1', clientId: 'cid-1', localAddress: '127.0.0.2' };

beforeAll(async () => {
  [simulator, fixture] = await Promise.all([spawnSimulator(['--ip-limit', '2/1h']), payloadFixture()]);
  client = createUpstreamClient({ url: simulator.url, timeoutMs: 1500, payloads: fixture.payloads, metrics });
});

afterAll(async () => {
  await client.close();
  await simulator.stop();
  await fixture.remove();
});

beforeEach(async () => {
  await simulator.reset();
});

async function sendOnce() {
  return client.send(lane, await fixture.upload(png1x1));
}

describe('upstream failures', () => {
  it.each<[{ status: number; body: ErrorBodyShape; message?: string }, Record<string, unknown>]>([
    [{ status: 500, body: 'json', message: 'Internal failure' }, { kind: 'retryable', message: 'Internal failure', timeout: false }],
    [{ status: 502, body: 'html' }, { kind: 'retryable', message: '502 Bad Gateway', timeout: false }],
    [{ status: 503, body: 'empty' }, { kind: 'retryable', message: 'HTTP 503', timeout: false }],
    [{ status: 504, body: 'errors-array', message: 'Gateway timeout' }, { kind: 'retryable', message: 'Gateway timeout', timeout: true }],
    [{ status: 400, body: 'data-error-object', message: 'File type invalid (1)' }, { kind: 'rejected', message: 'File type invalid (1)', status: 400 }],
    [{ status: 403, body: 'error-string', message: 'Invalid client_id' }, { kind: 'rejected', message: 'Invalid client_id', status: 403 }],
    [{ status: 400, body: 'json', message: 'Upload limit reached' }, { kind: 'rate-limited', message: 'Upload limit reached' }],
  ])('classifies %j as %j', async (fault, expected) => {
    await simulator.faults({ next: [{ kind: 'status', ...fault }] });
    expect(await sendOnce()).toMatchObject(expected);
  });

  it('treats an HTML 429 without Retry-After as rate-limited', async () => {
    await simulator.faults({ next: [{ kind: 'rate-limit', html: true, retryAfter: false }] });
    const answer = await sendOnce();
    expect(answer).toMatchObject({ kind: 'rate-limited', message: '429 Too Many Requests' });
    expect(answer.limits.retryAfterMs).toBeUndefined();
  });

  it('reports the real limit’s 429 with when the address reopens', async () => {
    expect((await sendOnce()).kind).toBe('ok');
    expect((await sendOnce()).kind).toBe('ok');
    const answer = await sendOnce();
    expect(answer).toMatchObject({ kind: 'rate-limited', message: 'Upload limit reached', limits: { post: { limit: 2, remaining: 0 } } });
    expect(answer.limits.retryAfterMs).toBeGreaterThan(3_000_000);
  });

  it('gives up on an answer slower than the timeout as a retryable timeout', async () => {
    await simulator.faults({ next: [{ kind: 'latency', ms: 10_000 }] });
    expect(await sendOnce()).toMatchObject({ kind: 'retryable', timeout: true, message: expect.stringContaining('Headers Timeout') });
  });

  it('turns a reset connection into a retryable failure', async () => {
    await simulator.faults({ next: [{ kind: 'reset' }] });
    expect(await sendOnce()).toMatchObject({ kind: 'retryable', timeout: false, message: expect.stringContaining('Upstream connection failed') });
  });

  it('turns a refused connection into a retryable failure, counted as status 0', async () => {
    const port = await closedPort();
    const offline = createUpstreamClient({ url: `http://127.0.0.1:${port}`, timeoutMs: 500, payloads: fixture.payloads, metrics });
    try {
      expect(await offline.send(lane, await fixture.upload(png1x1))).toMatchObject({ kind: 'retryable', timeout: false, message: expect.stringContaining('ECONNREFUSED') });
    } finally {
      await offline.close();
    }
    const noAnswer = (await metrics.upstreamResponses.get()).values.find((value) => value.labels.status === '0');
    expect(noAnswer?.value).toBeGreaterThanOrEqual(1);
  });

  it('treats a 2xx that is not a v3 image as a retryable bad answer', async () => {
    await simulator.faults({ next: [{ kind: 'status', status: 200, body: 'html' }] });
    expect(await sendOnce()).toMatchObject({ kind: 'retryable', message: 'bad upstream answer' });
  });
});

/** A port nothing listens on: bound, then released. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
