import { afterEach, describe, expect, it } from 'vitest';
import { createBadKeyGuard } from '../../src/keys/bad-key-guard.js';
import { startAuthServer } from './support/auth-server.js';
import { openKeyHarness, storeKinds, type KeyHarness } from './support/harness.js';

describe.each(storeKinds)('guessing keys (%s store)', (kind) => {
  let harness: KeyHarness;
  let server: Awaited<ReturnType<typeof startAuthServer>>;
  afterEach(async () => {
    await server.close();
    await harness.close();
  });

  it('blocks the client IP after server.badKeyLimit failures, even for a valid key, with 429 and Retry-After', async () => {
    harness = await openKeyHarness(kind, {}, { server: { badKeyLimit: { limit: 3, window: '1m' }, trustProxy: ['127.0.0.1'] } });
    server = await startAuthServer(harness.registry, createBadKeyGuard(harness.config, harness.backend), ['127.0.0.1']);
    const from = (ip: string, key: string) => server.post('/auth', { headers: { 'x-forwarded-for': ip, 'x-api-key': key } });

    for (let i = 0; i < 3; i++) expect((await from('10.9.0.1', `k_guess_${i}`)).status).toBe(403);
    const blocked = await from('10.9.0.1', 'k_app1_secret');
    expect([blocked.status, await blocked.json()]).toEqual([429, { code: 1008, kind: 'tooManyBadKeys' }]);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(blocked.headers.get('retry-after'))).toBeLessThanOrEqual(60);

    const otherIp = await from('10.9.0.2', 'k_app1_secret');
    expect(otherIp.status).toBe(200);
  });
});
