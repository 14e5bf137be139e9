import { afterEach, describe, expect, it } from 'vitest';
import { createBadKeyGuard } from '../../src/keys/bad-key-guard.js';
import { startAuthServer } from './support/auth-server.js';
import { openKeyHarness, type KeyHarness } from './support/harness.js';

describe('request authentication', () => {
  let harness: KeyHarness;
  let server: Awaited<ReturnType<typeof startAuthServer>>;
  afterEach(async () => {
    await server.close();
    await harness.close();
  });

  async function start() {
    harness = await openKeyHarness('memory');
    server = await startAuthServer(harness.registry, createBadKeyGuard(harness.config, harness.backend));
  }

  it('accepts the key from Authorization: Client-ID, X-API-Key, a body field or the query', async () => {
    await start();
    const answers = await Promise.all([
      server.post('/auth', { headers: { authorization: 'Client-ID k_app1_secret' } }),
      server.post('/auth', { headers: { 'x-api-key': 'k_app1_secret' } }),
      server.post('/auth', { body: { key: 'k_app1_secret' } }),
      server.post('/auth?key=k_app1_secret'),
    ]);
    for (const answer of answers) expect(await answer.json()).toEqual({ id: 'app1', bearer: null });
  });

  it('hands a Bearer token back for the upstream and takes the key from X-API-Key', async () => {
    await start();
    const answer = await server.post('/auth', { headers: { authorization: 'Bearer user-token-123', 'x-api-key': 'k_app1_secret' } });
    expect(await answer.json()).toEqual({ id: 'app1', bearer: 'user-token-123' });
  });

  it('answers 401/1015 without a key and 403/1004 for an unknown one', async () => {
    await start();
    const none = await server.post('/auth', { headers: { authorization: 'Bearer user-token-123' } });
    expect([none.status, await none.json()]).toEqual([401, { code: 1015, kind: 'noKey' }]);
    const wrong = await server.post('/auth', { headers: { 'x-api-key': 'k_not_a_key' } });
    expect([wrong.status, await wrong.json()]).toEqual([403, { code: 1004, kind: 'badKey' }]);
  });
});
