import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { GatewayProcess } from '../support/gateway-process.js';
import { E2eSandbox, type E2eStore } from '../e2e/e2e-fixture.js';
import { admin, startTrustGateway, stores } from './trust-fixture.js';

const limit = 5;
const attempts = 12;

describe.each(stores)('wrong admin tokens (%s store)', (store: E2eStore) => {
  let sandbox: E2eSandbox;
  let gateway: GatewayProcess;

  beforeAll(async () => {
    sandbox = await E2eSandbox.open();
    gateway = await startTrustGateway(sandbox, store, { server: { badKeyLimit: { limit, window: '1h' } }, upstream: { lanes: [{ id: 'lane1', clientId: 'c' }] } });
  });

  afterAll(async () => {
    await gateway?.dispose();
    await sandbox?.cleanup();
  });

  it(`are refused 401 up to the bad-key limit, then 429 with Retry-After; each failure is logged without the token`, async () => {
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < attempts; i++) {
      const answer = await admin(gateway, 'GET', '/admin/keys', undefined, `wrong-token-guess-${i}`);
      statuses.push(answer.status);
      if (answer.status === 429) retryAfter = answer.headers.get('retry-after');
    }
    expect(statuses.filter((status) => status === 401)).toHaveLength(limit);
    expect(statuses.filter((status) => status === 429)).toHaveLength(attempts - limit);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    // The blocked address is refused even with the right token until the window ends.
    expect((await admin(gateway, 'GET', '/admin/keys')).status).toBe(429);
    // The process writes each line as it answers; under load the last may reach this side just after the answer.
    const failures = () => gateway.output().split('\n').filter((line) => line.includes('"admin authentication failed"'));
    await vi.waitFor(() => expect(failures()).toHaveLength(limit), { timeout: 5_000, interval: 50 });
    expect(gateway.output()).not.toContain('wrong-token-guess');
  });
});
