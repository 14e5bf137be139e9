import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { freePort } from '../support/ports.js';
import type { GatewayProcess } from '../support/gateway-process.js';
import { spawnSimulator, type SpawnedSimulator } from '../support/simulator.js';
import { E2eSandbox, uploadAsync, waitAllDone, type E2eStore, type SentUpload } from '../e2e/e2e-fixture.js';
import { appKey, startTrustGateway, stores, roomyUpstream } from './trust-fixture.js';

const metricsToken = 'trust-metrics-token-0123456789';
const backlog = 6;

/** The value of one sample of `name` whose labels include `labels`, 0 when absent. */
function sample(text: string, name: string, labels: Record<string, string>): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

describe.each(stores)('job outcome counters and a guarded metrics listener (%s store)', (store: E2eStore) => {
  let sandbox: E2eSandbox;
  let simulator: SpawnedSimulator;
  let gateway: GatewayProcess;
  let metricsUrl: string;

  beforeAll(async () => {
    sandbox = await E2eSandbox.open();
    simulator = await spawnSimulator(['--ip-limit', '1000/1h']);
    const port = await freePort();
    metricsUrl = `http://127.0.0.1:${port}/metrics`;
    gateway = await startTrustGateway(sandbox, store, {
      metrics: { port, host: '127.0.0.1', token: metricsToken },
      upstream: roomyUpstream(simulator.url),
      log: { level: 'warn' },
    });
  });

  afterAll(async () => {
    await gateway?.dispose();
    await simulator?.stop();
    await sandbox?.cleanup();
  });

  it('serves /metrics only on metrics.port, only with the token', async () => {
    expect((await fetch(`${gateway.url}/metrics`)).status).toBe(404);
    expect((await fetch(metricsUrl)).status).toBe(401);
    expect((await fetch(metricsUrl, { headers: { authorization: 'Bearer wrong-token-wrong-token' } })).status).toBe(401);
    const ok = await fetch(metricsUrl, { headers: { authorization: `Bearer ${metricsToken}` } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('upgate_jobs_finished_total');
  });

  it('counts queued uploads as done once the queue has drained them', async () => {
    const sent: SentUpload[] = [];
    for (let i = 0; i < backlog; i++) sent.push(await uploadAsync(gateway.url, appKey));
    await waitAllDone(gateway.url, sent, 30_000);
    // A job shows as done as soon as the store has it; its count follows the store's confirmation.
    await vi.waitFor(
      async () => {
        const text = await (await fetch(metricsUrl, { headers: { authorization: `Bearer ${metricsToken}` } })).text();
        expect(sample(text, 'upgate_uploads_total', { key: 'app1', outcome: 'queued' })).toBe(backlog);
        expect(sample(text, 'upgate_jobs_finished_total', { key: 'app1', outcome: 'done', code: '0' })).toBe(backlog);
        expect(sample(text, 'upgate_jobs_finished_total', { key: 'app1', outcome: 'failed' })).toBe(0);
      },
      { timeout: 5_000, interval: 50 },
    );
  });
});
