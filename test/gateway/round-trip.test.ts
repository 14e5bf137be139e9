import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/gateway.js';
import { redisUrl } from '../support/redis.js';
import { png1x1 } from '../support/images.js';
import { spawnSimulator, type SpawnedSimulator } from '../support/simulator.js';
import { appKey, startFixtureGateway } from './gateway-fixture.js';

const run = promisify(execFile);

describe.each(['redis', 'embedded'] as const)('an upload through the gateway (%s store)', (store) => {
  let simulator: SpawnedSimulator;
  let fixture: Awaited<ReturnType<typeof startFixtureGateway>>;
  let gateway: Gateway;
  let dir: string;

  beforeAll(async () => {
    simulator = await spawnSimulator(['--ip-limit', '100/1h']);
    dir = await mkdtemp(join(tmpdir(), 'upgate-round-trip-'));
    fixture = await startFixtureGateway({
      redisUrl: store === 'redis' ? redisUrl() : null,
      quotas: { perKey: [{ limit: 3, window: '1h' }], perIp: [{ limit: 100, window: '1h' }] },
      upstream: { url: simulator.url, lanes: [{ id: 'lane1', clientId: 'sim-client', localAddress: '127.0.0.2', limits: [{ limit: 100, window: '1h' }] }] },
    });
    gateway = fixture.gateway;
  });

  afterAll(async () => {
    await fixture.close();
    await simulator.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers curl -F image=@photo with a v3 success whose link comes from the upstream', async () => {
    const photo = join(dir, 'photo.png');
    await writeFile(photo, png1x1);
    const { stdout } = await run('curl', ['-s', '-F', `image=@${photo}`, '-H', `Authorization: Client-ID ${appKey}`, `${gateway.url}/3/image`]);
    const answer = JSON.parse(stdout);
    expect(answer).toMatchObject({ success: true, status: 200, data: { type: 'image/png', width: 1, height: 1, size: png1x1.length } });
    expect(answer.data.link).toMatch(new RegExp(`^${simulator.url}/i/${answer.data.id}\\.png$`));
    const received = (await simulator.stats()).received;
    expect(received.map((upload) => upload.id)).toContain(answer.data.id);
    expect(received.find((upload) => upload.id === answer.data.id)).toMatchObject({ clientId: 'sim-client', ip: '127.0.0.2' });
  });

  it('answers a legacy v1 XML client in its own shape, with quota headers', async () => {
    const body = new URLSearchParams({ image: png1x1.toString('base64'), key: appKey, title: 'pixel' });
    const response = await fetch(`${gateway.url}/1/upload.xml`, { method: 'POST', body });
    expect(response.status).toBe(200);
    expect(response.headers.get('ratelimit-policy')).toContain('"key-1h";q=3;w=3600');
    const xml = new XMLParser({ ignoreAttributes: false }).parse(await response.text());
    expect(xml.rsp['@_stat']).toBe('ok');
    expect(xml.rsp.original_image).toMatch(new RegExp(`^${simulator.url}/i/`));
  });

  it('refuses the key past its quota with 429/1008 and Retry-After, charging nothing', async () => {
    const upload = () => fetch(`${gateway.url}/3/image`, { method: 'POST', headers: { 'x-api-key': appKey, 'content-type': 'image/png' }, body: new Uint8Array(png1x1) });
    const third = await upload();
    expect(third.status).toBe(200);
    expect(third.headers.get('x-ratelimit-clientremaining')).toBe('0');
    for (let attempt = 0; attempt < 2; attempt++) {
      const refused = await upload();
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await refused.json()).data).toMatchObject({ code: 1008, request: '/3/image', method: 'POST' });
    }
    const credits = await fetch(`${gateway.url}/3/credits`, { headers: { authorization: `Client-ID ${appKey}` } });
    expect((await credits.json()).data).toMatchObject({ ClientLimit: 3, ClientRemaining: 0, UserLimit: 100, UserRemaining: 97 });
  });
});
