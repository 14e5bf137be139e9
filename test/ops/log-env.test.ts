import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/ports.js';

const root = resolve(import.meta.dirname, '../..');

/** `node bin/upgate.js serve` with LOG_LEVEL / LOG_FORMAT set: polls /healthz once, stops it, answers what it printed. */
async function serveWith(env: Record<string, string>, dir: string): Promise<string> {
  const port = await freePort();
  const config = join(dir, `config-${port}.yaml`);
  await writeFile(config, stringify({ server: { host: '127.0.0.1', port }, store: { spoolDir: join(dir, `spool-${port}`) } }));
  const childEnv: NodeJS.ProcessEnv = { ...process.env, UPGATE_CONFIG: config, ...env };
  for (const name of ['PORT', 'HOST', 'REDIS_URL', 'UPGATE_ADMIN_TOKEN', 'UPSTREAM_URL', 'UPSTREAM_CLIENT_ID']) delete childEnv[name];
  const child = spawn(process.execPath, ['bin/upgate.js', 'serve'], { cwd: root, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  for (let attempt = 0; attempt < 300 && !(await fetch(`http://127.0.0.1:${port}/healthz`, { headers: { 'x-request-id': 'log-env-probe' } }).then((r) => r.ok, () => false)); attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGTERM');
  await exited;
  return output;
}

describe('LOG_LEVEL and LOG_FORMAT on a real serve process', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'upgate-log-env-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('LOG_FORMAT=pretty prints readable lines; LOG_LEVEL=debug shows the health poll', async () => {
    const output = await serveWith({ LOG_FORMAT: 'pretty', LOG_LEVEL: 'debug' }, dir);
    expect(output).toMatch(/INFO.*: upgate listening/);
    expect(output).toMatch(/DEBUG.*: request/);
    expect(output).toContain('log-env-probe');
    expect(output).not.toMatch(/^\{/m);
  });

  it('JSON by default, with the health poll at debug only; LOG_LEVEL=warn leaves out the info lines', async () => {
    const json = await serveWith({ LOG_LEVEL: 'info' }, dir);
    const lines = json.trim().split('\n').map((line) => JSON.parse(line));
    expect(lines.some((line) => line.msg === 'upgate listening' && line.level === 30)).toBe(true);
    expect(lines.some((line) => line.requestId === 'log-env-probe')).toBe(false);
    const quiet = await serveWith({ LOG_LEVEL: 'warn' }, dir);
    expect(quiet).not.toContain('upgate listening');
  });
});
