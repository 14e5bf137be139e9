import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// The script as a user without root or sudo would meet it: PATH holds only a stand-in `id` that
// answers uid 1000, so redis-server, sudo and apt-get are all absent.
const bin = mkdtempSync(join(tmpdir(), 'upgate-provision-'));
writeFileSync(join(bin, 'id'), '#!/bin/sh\necho 1000\n');
chmodSync(join(bin, 'id'), 0o755);

/** Chromium is found at its Debian path, outside PATH: what this machine lacks of it is expected too. */
const chromium = existsSync('/usr/bin/chromium') ? [] : ['chromium'];

function provision(env: Record<string, string>) {
  const run = spawnSync('/bin/bash', ['scripts/provision-test-deps.sh'], { env: { PATH: bin, ...env }, encoding: 'utf8' });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('npm test provisioning (scripts/provision-test-deps.sh)', () => {
  afterAll(() => rmSync(bin, { recursive: true, force: true }));

  it('says in one line which command to run, and fails, when it cannot install what is missing', () => {
    const { code, stdout, stderr } = provision({});
    expect(code).toBe(1);
    expect(stdout).toBe('');
    const needed = ['redis-server', ...chromium].join(' ');
    expect(stderr).toBe(`npm test needs ${needed}: run \`sudo apt-get install -y ${needed}\` once, then npm test again\n`);
  });

  it('needs no redis-server when REDIS_URL names one, and goes on quietly without the optional promtool', () => {
    const { code, stderr } = provision({ REDIS_URL: 'redis://127.0.0.1:6379' });
    expect(code).toBe(chromium.length ? 1 : 0);
    expect(stderr).toBe(chromium.length ? 'npm test needs chromium: run `sudo apt-get install -y chromium` once, then npm test again\n' : '');
  });
});
