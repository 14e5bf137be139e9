import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, upload, type TestGateway } from '../ops/test-gateway.js';
import { eventually } from '../support/eventually.js';
import { freePort } from '../support/ports.js';
import { runCli } from './run-cli.js';

describe('upgate --version, lanes and config check', () => {
  let target: TestGateway;
  let dir: string;
  beforeAll(async () => {
    target = await startTestGateway();
    dir = await mkdtemp(join(tmpdir(), 'upgate-config-check-'));
  });
  afterAll(async () => {
    await target?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('prints the package version', async () => {
    const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    expect(await runCli(['--version'])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('serves from any directory with the packaged defaults when no config is named (npx upgate serve)', async () => {
    // tsx's loader by absolute path: `--import tsx` resolves from the working directory, which has no node_modules.
    const tsxDir = dirname(createRequire(import.meta.url).resolve('tsx/package.json'));
    const loader = pathToFileURL(join(tsxDir, (JSON.parse(readFileSync(join(tsxDir, 'package.json'), 'utf8')) as { exports: { '.': string } }).exports['.'])).href;
    const port = await freePort();
    const env = { ...process.env, UPGATE_CONFIG: undefined, UPSTREAM_CLIENT_ID: undefined, REDIS_URL: undefined, PORT: String(port), HOST: '127.0.0.1' };
    const child = spawn(process.execPath, ['--import', loader, resolve('src/cli/main.ts'), 'serve'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (data) => (output += data));
    child.stderr.on('data', (data) => (output += data));
    try {
      const health = await eventually(
        () => fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.status, () => 0),
        (status) => status === 200 || child.exitCode !== null,
      );
      expect({ health, output }).toMatchObject({ health: 200 });
      // Logged just after it starts listening: it may reach the pipe after the health check's answer.
      expect(await eventually(async () => output, (text) => text.includes('no upstream lanes configured') || child.exitCode !== null)).toContain('no upstream lanes configured');
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('exits 2 for an unknown command at the top level as at every other level', async () => {
    const [top, nested] = await Promise.all([runCli(['frobnicate']), runCli(['keys', 'frobnicate'])]);
    expect(top.code).toBe(2);
    expect(top.stderr).toContain("unknown command 'frobnicate'");
    expect(nested.code).toBe(2);
  });

  it("shows each lane's budget per window after an upload, as a table and as JSON with config durations", async () => {
    expect((await upload(target.url, { authorization: `Client-ID ${target.appKey}` })).status).toBe(200);
    const env = { UPGATE_URL: target.url, UPGATE_ADMIN_TOKEN: target.adminToken };
    const [table, json] = await Promise.all([runCli(['lanes'], env), runCli(['lanes', '--json'], env)]);
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^LANE\s+ADDRESS\s+WINDOW\s+LEFT\/LIMIT\s+RESETS IN\s+STATE$/);
    expect(table.stdout).toMatch(/^lane1\s+127\.0\.0\.2\s+address 1h\s+99\/100\s+59m \d\ds\s+sending$/m);
    const lanes = JSON.parse(json.stdout) as Array<{ id: string; windows: Array<{ window: string; remaining: number }> }>;
    expect(lanes[0]!.id).toBe('lane1');
    expect(lanes[0]!.windows[0]).toMatchObject({ window: '1h', remaining: 99 });
  });

  it('config check accepts a good file and names the offending key of a bad one (exit 1)', async () => {
    const good = join(dir, 'good.yaml');
    const bad = join(dir, 'bad.yaml');
    await writeFile(good, 'upstream:\n  lanes:\n    - { id: l1, clientId: abc }\nkeys:\n  - { id: app1, key: k_app1_0123456789abcdef }\n');
    await writeFile(bad, 'server:\n  prot: 8080\n');
    const [ok, refused, missing] = await Promise.all([runCli(['config', 'check', good]), runCli(['config', 'check', bad]), runCli(['config', 'check', join(dir, 'absent.yaml')])]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain(`${good}: ok — 1 static keys, 1 lanes`);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('server.prot');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('cannot read');
  });
});
