import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniquePng } from '../gateway/gateway-fixture.js';
import { freePort } from '../support/ports.js';
import { spawnSimulator, type SpawnedSimulator } from '../support/simulator.js';

const root = resolve(import.meta.dirname, '../..');
const key = 'k_sigterm_app_secret';
const adminToken = 'sigterm-admin-token-0123456789';

/** The supervisor command of deploy/systemd/upgate.service and docker-compose.yml, as argv after `node`. */
async function documentedCommand(): Promise<string[]> {
  const unit = await readFile(join(root, 'deploy/systemd/upgate.service'), 'utf8');
  const execStart = /^ExecStart=(\S+) (.+)$/m.exec(unit);
  expect(execStart?.[1]).toBe('/usr/bin/node');
  const compose = await readFile(join(root, 'docker-compose.yml'), 'utf8');
  expect(compose).toContain('command: ["node", "bin/upgate.js", "serve"]');
  // The unit names the installed path; here the repository is the install.
  return execStart![2]!.replace('/opt/upgate/', '').split(' ');
}

/**
 * `node bin/upgate.js serve` (the compiled gateway, as systemd and compose run it) gets SIGTERM
 * while a forward is in flight: the upload is answered, and the process exits 0 on its own.
 */
describe('SIGTERM to `node bin/upgate.js serve`', () => {
  let simulator: SpawnedSimulator;
  let dir: string;
  let child: ChildProcess;
  let url: string;
  let output = '';

  beforeAll(async () => {
    simulator = await spawnSimulator();
    dir = await mkdtemp(join(tmpdir(), 'upgate-serve-'));
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const config = join(dir, 'config.yaml');
    await writeFile(
      config,
      stringify({
        server: { host: '127.0.0.1', port, maxWait: '1h' },
        store: { spoolDir: join(dir, 'spool') },
        admin: { token: adminToken },
        keys: [{ id: 'app1', key }],
        upstream: { url: simulator.url, lanes: [{ id: 'lane1', clientId: 'sim-client' }] },
      }),
    );
    const env: NodeJS.ProcessEnv = { ...process.env, UPGATE_CONFIG: config, LOG_LEVEL: 'info', LOG_FORMAT: 'json' };
    for (const name of ['PORT', 'HOST', 'REDIS_URL', 'UPGATE_ADMIN_TOKEN', 'UPSTREAM_URL', 'UPSTREAM_CLIENT_ID']) delete env[name];
    child = spawn(process.execPath, await documentedCommand(), { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    for (let attempt = 0; attempt < 300; attempt++) {
      if (await fetch(`${url}/readyz`).then((r) => r.ok, () => false)) return;
      if (child.exitCode !== null) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`gateway did not become ready:\n${output}`);
  });

  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await simulator?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('answers the upload in flight, then exits 0', async () => {
    await simulator.faults({ next: [{ kind: 'latency', ms: 1_500 }] });
    const exited = once(child, 'exit');
    const upload = fetch(`${url}/3/image`, { method: 'POST', headers: { 'x-api-key': key, 'content-type': 'image/png' }, body: uniquePng() });
    for (let attempt = 0; attempt < 400; attempt++) {
      const jobs = await fetch(`${url}/admin/jobs`, { headers: { authorization: `Bearer ${adminToken}` } }).then((r) => r.json());
      if (jobs.stats.active === 1) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    child.kill('SIGTERM');

    const answer = await upload;
    expect(answer.status).toBe(200);
    expect((await answer.json()).data.type).toBe('image/png');
    const [code, signal] = await exited;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(output).toContain('"signal":"SIGTERM"');
    expect((await simulator.stats()).uploads).toBe(1);
  });
});
