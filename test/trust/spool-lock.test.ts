import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GatewayProcess } from '../support/gateway-process.js';
import { E2eSandbox } from '../e2e/e2e-fixture.js';

describe('two embedded gateways on one spool', () => {
  let sandbox: E2eSandbox;
  const started: GatewayProcess[] = [];

  beforeEach(async () => {
    sandbox = await E2eSandbox.open();
  });

  afterEach(async () => {
    await Promise.all(started.splice(0).map((gateway) => gateway.dispose()));
    await sandbox.cleanup();
  });

  const start = async () => {
    const gateway = await GatewayProcess.start({ store: sandbox.storeConfig('embedded'), log: { level: 'warn' } }, { readyPath: '/healthz' });
    started.push(gateway);
    return gateway;
  };

  it('refuses the second process, naming the folder; a lock left by a killed process is taken over', async () => {
    const first = await start();
    const spoolDir = join(sandbox.dir, 'spool');
    const failure = await start().then(
      () => undefined,
      (error: Error) => error,
    );
    expect(failure?.message).toContain(`store.spoolDir ${spoolDir} is in use by another upgate process`);
    expect(failure?.message).toContain('gateway exited before ready (code 1');
    // The first one still serves.
    expect((await fetch(`${first.url}/healthz`)).status).toBe(200);

    await first.stop('SIGKILL');
    const stalePid = Number(await readFile(join(spoolDir, 'lock'), 'utf8'));
    expect(stalePid).toBeGreaterThan(0);
    const next = await start();
    expect((await fetch(`${next.url}/healthz`)).status).toBe(200);
    expect(Number(await readFile(join(spoolDir, 'lock'), 'utf8'))).not.toBe(stalePid);
  });
});
