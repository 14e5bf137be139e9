import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { GatewayProcess } from '../support/gateway-process.js';
import { spawnSimulator, type SimStats, type SpawnedSimulator } from '../support/simulator.js';
import { appKeys, E2eSandbox, loopbackLanes, tally, uploadAsync, waitAllDone, type SentUpload } from './e2e-fixture.js';

const keys = appKeys(20);
const total = 150;
/** The heavy app sends this many first; the other 19 share the rest. */
const heavyFirst = 40;
const laneBudget = 10;
const lanes = 3;

let sandbox: E2eSandbox;
let simulator: SpawnedSimulator;
let gateway: GatewayProcess;

beforeAll(async () => {
  sandbox = await E2eSandbox.open();
  simulator = await spawnSimulator(['--ip-limit', '10/10s']);
  gateway = await GatewayProcess.start({
    store: sandbox.storeConfig('redis'),
    // Every app is behind the one client IP: with `any`, the shared IP's limit alone refuses nobody.
    quotas: { policy: 'any' },
    keys,
    upstream: { url: simulator.url, lanes: loopbackLanes(lanes, { limit: laneBudget, window: '10s' }) },
    log: { level: 'warn' },
  });
});

afterAll(async () => {
  await gateway?.dispose();
  await simulator?.stop();
  await sandbox?.cleanup();
});

it('20 apps behind one IP: every upload delivered once, no upstream 429, lanes evenly used, fair shares while budget is scarce', { timeout: 180_000 }, async () => {
  // Adversarial arrival: one app floods first and takes the first window's whole budget…
  const sent: SentUpload[] = [];
  for (let i = 0; i < heavyFirst; i++) sent.push(await uploadAsync(gateway.url, keys[0]!.key));
  await vi.waitFor(async () => expect((await simulator.stats()).uploads).toBe(laneBudget * lanes), { timeout: 30_000, interval: 100 });
  // …then the other 19 apps arrive while its remaining uploads are still queued.
  const others = keys.slice(1);
  const rest = Array.from({ length: total - heavyFirst }, (_, i) => others[i % others.length]!.key);
  sent.push(...(await Promise.all(rest.map((key) => uploadAsync(gateway.url, key)))));
  const allQueuedAt = Date.now();

  await vi.waitFor(async () => expect((await simulator.stats()).uploads).toBeGreaterThanOrEqual(total), { timeout: 150_000, interval: 500 });
  await waitAllDone(gateway.url, sent, 30_000);
  const stats = await simulator.stats();

  // Exactly once: the simulator received each image sent, and nothing else.
  expect(stats.received.map((r) => r.sha256).sort()).toEqual(sent.map((s) => s.sha256).sort());
  expect(stats.rateLimited, gateway.output()).toBe(0);

  // Lanes used within 5% of each other.
  const perLane = Object.values(stats.byIp);
  expect(Object.keys(stats.byIp).sort()).toEqual(['127.0.0.2', '127.0.0.3', '127.0.0.4']);
  expect(Math.max(...perLane) - Math.min(...perLane)).toBeLessThanOrEqual(Math.ceil((total / lanes) * 0.05));

  const shares = fairShares(stats, sent, allQueuedAt);
  // Equal is 5 of 100 each; within 20% is 4 to 6.
  expect([...shares].filter(([, n]) => Math.abs(n - 5) > 1), JSON.stringify([...shares])).toEqual([]);
});

/**
 * The measure of "fair while scarce": the first 100 deliveries after every upload was queued. At that
 * moment every app still had at least 5 uploads waiting (asserted), so over those 100 deliveries all
 * 20 apps competed for the budget and an equal share is 5 each. Returns each key's count.
 */
function fairShares(stats: SimStats, sent: SentUpload[], allQueuedAt: number): Map<string, number> {
  const keyOf = new Map(sent.map((s) => [s.sha256, s.key]));
  const after = stats.received.filter((r) => r.at > allQueuedAt);
  const waiting = tally(after.map((r) => keyOf.get(r.sha256!)!));
  expect(Math.min(...keys.map((k) => waiting.get(k.key) ?? 0))).toBeGreaterThanOrEqual(5);
  const shares = tally(after.slice(0, 100).map((r) => keyOf.get(r.sha256!)!));
  return new Map(keys.map((k) => [k.key, shares.get(k.key) ?? 0]));
}
