import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/gateway.js';
import { ReadAhead } from '../../src/http/routes/read-ahead.js';
import { heldInMemoryBytes } from '../../src/store/held-payload-store.js';
import { eventually } from '../support/eventually.js';
import { redisUrl } from '../support/redis.js';
import { spawnSimulator, type SpawnedSimulator } from '../support/simulator.js';
import { appKey, postImage, startFixtureGateway } from './gateway-fixture.js';

const request = (headers: Record<string, string>) => ({ headers }) as never;

describe('reading an upload before its admission, which goes out with its claim', () => {
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
        upstream: { url: simulator.url, lanes: [{ id: 'lane1', clientId: 'sim-client', limits: [{ limit: 10, window: '1h' }] }] },
      });
      gateway = fixture.gateway;
    });

    afterAll(async () => {
      await fixture.close();
      await simulator.stop();
    });

    const heldBytes = async () => (await gateway.metrics.heldBytes.get()).values[0]?.value;

    it('forwards the admitted one; for the refused one lets go of its body and undoes its claim and lane reservation', async () => {
      expect((await postImage(gateway.url)).status).toBe(200);
      // Read first (the key's last decision admitted it); its admission, claim and reservation went out together, then refused.
      const refused = await postImage(gateway.url, '/3/image', { 'idempotency-key': 'refused-once' });
      expect(refused.status).toBe(429);
      expect(refused.body).toMatchObject({ data: { error: 'Upload limit reached' } });
      expect(await eventually(heldBytes, (bytes) => bytes === 0)).toBe(0);
      // Only the admitted upload is charged to the lane.
      expect(await eventually(async () => (await gateway.queue.lanes())[0]!.remaining, (remaining) => remaining === 9)).toBe(9);
      // Refused again, now without reading ahead: a malformed body is never looked at.
      const malformed = await fetch(`${gateway.url}/3/image`, { method: 'POST', headers: { 'x-api-key': appKey, 'content-type': 'multipart/form-data; boundary=x' }, body: 'not multipart' });
      expect(malformed.status).toBe(429);
      expect((await simulator.stats()).received).toHaveLength(1);
      expect(await heldBytes()).toBe(0);
    });

    it('treats a retry with the Idempotency-Key of a refused upload as a new upload once the quota allows it', async () => {
      const { secret } = await gateway.keys.create({ id: 'retrier', quotas: { perKey: [{ limit: 1, window: 3_600_000 }] } });
      const post = (headers: Record<string, string> = {}) => postImage(gateway.url, '/3/image', { 'x-api-key': secret, ...headers });
      expect((await post()).status).toBe(200);
      expect((await post({ 'idempotency-key': 'retried' })).status).toBe(429);
      await gateway.keys.update('retrier', { quotas: { perKey: [{ limit: 2, window: 3_600_000 }] } });
      const sent = (await simulator.stats()).received.length;
      // Its claim was undone with the refusal: nothing stands for it any more.
      expect((await post({ 'idempotency-key': 'retried' })).status).toBe(200);
      expect((await simulator.stats()).received).toHaveLength(sent + 1);
    });
  });
});
