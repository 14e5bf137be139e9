import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/gateway.js';
import { ReadAhead } from '../../src/http/routes/read-ahead.js';
import { heldInMemoryBytes } from '../../src/store/held-payload-store.js';
import { eventually } from '../support/eventually.js';
import { redisUrl } from '../support/redis.js';
import { spawnSimulator, type SpawnedSimulator } from '../support/simulator.js';
import { appKey, postImage, startFixtureGateway } from './gateway-fixture.js';

const request = (headers: Record<string, string>) => ({ headers }) as never;

describe('reading an upload while its admission is decided', () => {
  it('goes ahead for a body held in memory, of a key whose last decision admitted it', () => {
    const readAhead = new ReadAhead();
    const small = request({ 'content-length': '100' });
    // A key's first upload: nothing says it will be admitted.
    expect(readAhead.worthIt('a', small)).toBe(false);
    readAhead.decided('a', true);
    expect(readAhead.worthIt('a', small)).toBe(true);
    expect(readAhead.worthIt('a', request({ 'content-length': String(heldInMemoryBytes) }))).toBe(true);
    expect(readAhead.worthIt('a', request({ 'content-length': String(heldInMemoryBytes + 1) }))).toBe(false);
    // A chunked body's size is unknown until it is read.
    expect(readAhead.worthIt('a', request({ 'transfer-encoding': 'chunked' }))).toBe(false);
    expect(readAhead.worthIt('b', small)).toBe(false);
    readAhead.decided('a', false);
    expect(readAhead.worthIt('a', small)).toBe(false);
  });

  describe('through a gateway whose key has room for one upload', () => {
    let simulator: SpawnedSimulator;
    let fixture: Awaited<ReturnType<typeof startFixtureGateway>>;
    let gateway: Gateway;

    beforeAll(async () => {
      simulator = await spawnSimulator();
      fixture = await startFixtureGateway({
        redisUrl: redisUrl(),
        quotas: { perKey: [{ limit: 1, window: '1h' }] },
        upstream: { url: simulator.url, lanes: [{ id: 'lane1', clientId: 'sim-client' }] },
      });
      gateway = fixture.gateway;
    });

    afterAll(async () => {
      await fixture.close();
      await simulator.stop();
    });

    const heldBytes = async () => (await gateway.metrics.heldBytes.get()).values[0]?.value;

    it('forwards the admitted one, and lets go of the body it read for the refused one', async () => {
      expect((await postImage(gateway.url)).status).toBe(200);
      // Read while its admission was out (the key's last decision admitted it), then refused.
      const refused = await postImage(gateway.url);
      expect(refused.status).toBe(429);
      expect(refused.body).toMatchObject({ data: { error: 'Upload limit reached' } });
      expect(await eventually(heldBytes, (bytes) => bytes === 0)).toBe(0);
      // Refused again, now without reading ahead: a malformed body is never looked at.
      const malformed = await fetch(`${gateway.url}/3/image`, { method: 'POST', headers: { 'x-api-key': appKey, 'content-type': 'multipart/form-data; boundary=x' }, body: 'not multipart' });
      expect(malformed.status).toBe(429);
      expect((await simulator.stats()).received).toHaveLength(1);
      expect(await heldBytes()).toBe(0);
    });
  });
});
