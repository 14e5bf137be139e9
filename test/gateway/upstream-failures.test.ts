import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { redisUrl } from '../support/redis.js';
import { spawnSimulator, type SpawnedSimulator } from '../support/simulator.js';
import { postImage, startFixtureGateway } from './gateway-fixture.js';

describe('upstream failures as the client sees them', () => {
  let simulator: SpawnedSimulator;
  let fixture: Awaited<ReturnType<typeof startFixtureGateway>>;

  beforeAll(async () => {
    simulator = await spawnSimulator();
    fixture = await startFixtureGateway({
      redisUrl: redisUrl(),
      server: { maxWait: '20s' },
      upstream: { url: simulator.url, timeout: '400ms', attempts: 2, retryBackoff: '10ms', lanes: [{ id: 'lane1', clientId: 'sim-client' }] },
    });
  });

  afterAll(async () => {
    await fixture.close();
    await simulator.stop();
  });

  beforeEach(async () => {
    await simulator.reset();
  });

  it('retries a 5xx HTML page and then answers 502/1021 with the page title', async () => {
    await simulator.faults({ next: [{ kind: 'status', status: 500, body: 'html', message: 'Imgur is over capacity!' }, { kind: 'status', status: 503, body: 'html', message: 'Imgur is over capacity!' }] });
    const answer = await postImage(fixture.gateway.url);
    expect(answer.status).toBe(502);
    expect(answer.body.data).toMatchObject({ code: 1021 });
    expect(answer.body.data.error).toContain('Imgur is over capacity!');
  });

  it('succeeds when a retry gets through after a connection reset', async () => {
    await simulator.faults({ next: [{ kind: 'reset' }] });
    const answer = await postImage(fixture.gateway.url);
    expect(answer.status).toBe(200);
    expect(answer.body.success).toBe(true);
    expect((await simulator.stats()).uploads).toBe(1);
  });

  it('answers 504/1021 when every attempt times out', async () => {
    await simulator.faults({ next: [{ kind: 'latency', ms: 2_000 }, { kind: 'latency', ms: 2_000 }] });
    const answer = await postImage(fixture.gateway.url);
    expect(answer.status).toBe(504);
    expect(answer.body.data).toMatchObject({ code: 1021 });
  });

  it('fails a 4xx at once with the upstream message, in a legacy client`s XML', async () => {
    await simulator.faults({ next: [{ kind: 'status', status: 400, body: 'data-error-object', message: 'Image format not supported' }] });
    const answer = await postImage(fixture.gateway.url, '/2/upload.xml');
    expect(answer.status).toBe(502);
    const xml = new XMLParser().parse(answer.text);
    expect(xml.error).toMatchObject({ code: 1021 });
    expect(xml.error.message).toContain('Image format not supported');
    expect((await simulator.stats()).faults).toBe(1);
  });
});
