import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GatewayProcess } from '../support/gateway-process.js';
import { spawnSimulator, type SpawnedSimulator } from '../support/simulator.js';
import { appKeys, distinctPng, E2eSandbox, tally, uploadAsync, waitAllDone, type E2eStore } from './e2e-fixture.js';

const [app] = appKeys(1);
const adminToken = 'cut-through-crash-admin';

describe.each(['redis', 'embedded'] as const)('a gateway killed during a cut-through forward (%s store)', (store: E2eStore) => {
  let sandbox: E2eSandbox;
  let simulator: SpawnedSimulator;
  let gateway: GatewayProcess;

  beforeEach(async () => {
    sandbox = await E2eSandbox.open();
    simulator = await spawnSimulator();
    gateway = await GatewayProcess.start({
      store: sandbox.storeConfig(store),
      keys: [app!],
      admin: { token: adminToken },
      upstream: { url: simulator.url, lanes: [{ id: 'lane1', clientId: 'sim-client' }] },
      // The claim of the dead process's forward (Redis) runs out soon after the restart.
      queue: { leaseTimeout: '1s' },
      server: { maxWait: '2s' },
      log: { level: 'warn' },
    });
  });

  afterEach(async () => {
    await gateway?.dispose();
    await simulator?.stop();
    await sandbox?.cleanup();
  });

  it('breaks the client`s connection, queues nothing, and forwards the client`s retry once', { timeout: 60_000 }, async () => {
    const image = distinctPng();
    const send = () =>
      fetch(`${gateway.url}/3/image`, {
        method: 'POST',
        headers: { authorization: `Client-ID ${app!.key}`, 'content-type': 'image/png', 'idempotency-key': 'crash-1' },
        body: new Uint8Array(image.bytes),
      });
    await simulator.faults({ next: [{ kind: 'latency', ms: 3_000 }] });
    // Its failure is expected from the start, so it is never an unhandled rejection.
    const broken = expect(send()).rejects.toThrow();
    // The simulator takes the fault when the upload arrives: the forward is under way.
    await vi.waitFor(async () => expect((await simulator.stats()).pendingFaults).toBe(0), { timeout: 20_000, interval: 20 });
    await gateway.stop('SIGKILL');
    await broken;

    await gateway.restart();
    // A queued upload after the restart is dispatched; had the killed one been queued, it would go first.
    const later = await uploadAsync(gateway.url, app!.key);
    await waitAllDone(gateway.url, [later], 20_000);
    const jobs = await fetch(`${gateway.url}/admin/jobs`, { headers: { authorization: `Bearer ${adminToken}` } }).then((r) => r.json());
    expect(jobs.stats).toMatchObject({ depth: 0, active: 0 });
    const beforeRetry = tally((await simulator.stats()).received.map((r) => r.sha256));
    expect(beforeRetry.get(image.sha256) ?? 0).toBeLessThanOrEqual(1);
    expect(beforeRetry.get(later.sha256)).toBe(1);

    // The client retries with its Idempotency-Key: answered once the dead forward's claim ran out.
    await vi.waitFor(
      async () => {
        const retry = await send();
        expect(retry.status).toBe(200);
      },
      { timeout: 20_000, interval: 100 },
    );
    const received = tally((await simulator.stats()).received.map((r) => r.sha256));
    // At-least-once: the killed forward may have landed too, but the retry is sent once.
    expect(received.get(image.sha256)).toBe((beforeRetry.get(image.sha256) ?? 0) + 1);
  });
});
