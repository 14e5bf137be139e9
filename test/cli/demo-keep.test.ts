import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { freePort } from '../support/ports.js';

describe('upgate demo --keep', () => {
  it('keeps the gateway and its dashboard up on the chosen port until Ctrl-C, then exits 0', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'demo', '--fast', '--keep', '--port', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    const kept = new Promise<void>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes('Press Ctrl-C to stop.')) resolve();
      });
    });
    const exited = once(child, 'exit');
    await Promise.race([kept, exited.then(() => Promise.reject(new Error(`demo exited early:\n${stdout}`)))]);
    expect(stdout).toMatch(/upgate: 24\/24 delivered/);
    const dashboardUrl = new RegExp(`open (http://127\\.0\\.0\\.1:${port}/dashboard#token=[0-9a-f]+)`).exec(stdout)?.[1];
    expect(dashboardUrl).toBeDefined();
    // The link printed is alive after the run, with the run's jobs still there to look at.
    expect((await fetch(dashboardUrl!)).status).toBe(200);
    const token = dashboardUrl!.split('#token=')[1]!;
    const stats = (await (await fetch(`http://127.0.0.1:${port}/admin/jobs`, { headers: { authorization: `Bearer ${token}` } })).json()) as { stats?: unknown };
    expect(stats).toBeTruthy();
    child.kill('SIGINT');
    const [code] = await exited;
    expect(code).toBe(0);
  });
});
