import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import type { ConfigInput } from '../../src/config/schema.js';
import { GatewayProcess } from '../support/gateway-process.js';
import { spawnSimulator, type SpawnedSimulator } from '../support/simulator.js';
import { appKeys, E2eSandbox, loopbackLanes, uploadAsync, waitAllDone } from './e2e-fixture.js';

const keys = appKeys(4);
const backlog = 60;

let sandbox: E2eSandbox;
let simulator: SpawnedSimulator;
let a: GatewayProcess;
let b: GatewayProcess;

beforeAll(async () => {
  sandbox = await E2eSandbox.open();
  simulator = await spawnSimulator(['--ip-limit', '10/2s']);
  // One config for both (each process gets its own port): same Redis prefix, same lanes.
  const config: ConfigInput = {
    store: sandbox.storeConfig('redis'),
    // The apps share the test's IP: with `any`, its limit alone refuses nobody.
    quotas: { policy: 'any' },
    keys,
    upstream: { url: simulator.url, lanes: loopbackLanes(2, { limit: 10, window: '2s' }) },
    log: { level: 'warn' },
  };
  [a, b] = await Promise.all([GatewayProcess.start(config), GatewayProcess.start(config)]);
});

afterAll(async () => {
  await Promise.all([a?.dispose(), b?.dispose()]);
  await simulator?.stop();
  await sandbox?.cleanup();
});

it('two gateway processes on one Redis drain one backlog as one gateway: each upload once, no upstream 429, jobs answered by either', { timeout: 90_000 }, async () => {
  const sent = await Promise.all(Array.from({ length: backlog }, (_, i) => uploadAsync(i % 2 ? a.url : b.url, keys[i % keys.length]!.key)));
  const sentToA = sent.filter((_, i) => i % 2);

  await vi.waitFor(async () => expect((await simulator.stats()).uploads).toBeGreaterThanOrEqual(backlog), { timeout: 60_000, interval: 250 });
  await waitAllDone(b.url, sentToA, 30_000);
  await waitAllDone(a.url, sent, 30_000);

  const stats = await simulator.stats();
  expect(stats.rateLimited, `${a.output()}\n${b.output()}`).toBe(0);
  expect(stats.received.map((r) => r.sha256).sort()).toEqual(sent.map((s) => s.sha256).sort());
  // Both drained it: each sent some of them upstream.
  const forwarded = await Promise.all([a, b].map(upstreamResponses));
  expect(forwarded[0]! + forwarded[1]!).toBe(backlog);
  expect(Math.min(...forwarded)).toBeGreaterThan(0);

  // Instance B answers a job submitted to A with the same result A gives.
  const job = sentToA[0]!;
  const [onA, onB] = await Promise.all(
    [a, b].map(async (g) => (await fetch(`${g.url}/3/jobs/${job.jobId}`, { headers: { authorization: `Client-ID ${job.key}` } })).json()),
  );
  expect(onB).toEqual(onA);
  expect(onB).toMatchObject({ data: { link: expect.stringContaining(simulator.url) }, job: { id: job.jobId, status: 'done' } });
});

/** The instance's upgate_upstream_responses_total, summed over its labels. */
async function upstreamResponses(gateway: GatewayProcess): Promise<number> {
  const text = await (await fetch(`${gateway.url}/metrics`)).text();
  return [...text.matchAll(/^upgate_upstream_responses_total(?:\{[^}]*\})? (\d+)$/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
}
