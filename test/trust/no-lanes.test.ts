import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayProcess } from '../support/gateway-process.js';
import { png1x1 } from '../support/images.js';
import { E2eSandbox, type E2eStore } from '../e2e/e2e-fixture.js';
import { admin, appKey, startTrustGateway, storedPayloads, stores } from './trust-fixture.js';

describe.each(stores)('a gateway with no lanes (%s store)', (store: E2eStore) => {
  let sandbox: E2eSandbox;
  let gateway: GatewayProcess;

  beforeAll(async () => {
    sandbox = await E2eSandbox.open();
    gateway = await startTrustGateway(sandbox, store, { upstream: { lanes: [] } }, { readyPath: '/healthz' });
  });

  afterAll(async () => {
    await gateway?.dispose();
    await sandbox?.cleanup();
  });

  it('says so on start-up in one line, naming what to set', () => {
    const lines = gateway.output().split('\n').filter((line) => line.includes('no upstream lanes configured'));
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 40, msg: expect.stringMatching(/until upstream\.lanes or UPSTREAM_CLIENT_ID is set$/) });
  });

  it('is not ready for uploads and says why', async () => {
    const response = await fetch(`${gateway.url}/readyz`);
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ status: 'not ready', store: 'ok', uploads: expect.stringMatching(/^no upstream configured/) });
  });

  it('refuses uploads 503/1020 "no upstream configured" with Retry-After, storing and charging nothing', async () => {
    for (const path of ['/3/image', '/1/upload.json']) {
      const response = await fetch(`${gateway.url}${path}`, { method: 'POST', headers: { authorization: `Client-ID ${appKey}`, 'content-type': 'image/png', prefer: 'respond-async' }, body: new Uint8Array(png1x1) });
      expect(response.status).toBe(503);
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
      const text = await response.text();
      expect(text).toContain('No upstream configured');
      expect(text).toContain('1020');
    }
    expect(await storedPayloads(sandbox, store)).toEqual([]);
    const jobs = await admin(gateway, 'GET', '/admin/jobs');
    expect(jobs.body.jobs).toEqual([]);
    const key = await admin(gateway, 'GET', '/admin/keys/app1');
    expect(key.body.windows.every((window: { used: number }) => window.used === 0)).toBe(true);
  });
});
