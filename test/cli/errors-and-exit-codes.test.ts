import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/ports.js';
import { startTestGateway, type TestGateway } from '../ops/test-gateway.js';
import { runCli } from './run-cli.js';

describe('CLI errors and exit codes', () => {
  let target: TestGateway;
  beforeAll(async () => {
    target = await startTestGateway();
  });
  afterAll(async () => {
    await target?.close();
  });

  it('exits 0 with help for --help', async () => {
    const result = await runCli(['keys', 'create', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('--per-key <limit/window...>');
    expect(result.stdout).toContain('UPGATE_ADMIN_TOKEN');
  });

  it('exits 2 on usage errors, saying what is wrong', async () => {
    const [noToken, badLimit, badPolicy, noId] = await Promise.all([
      runCli(['usage', '--url', target.url]),
      runCli(['keys', 'create', 'x', '--per-key', '5/fortnight', '--token', 't']),
      runCli(['keys', 'create', 'x', '--policy', 'some', '--token', 't']),
      runCli(['keys', 'revoke', '--token', 't']),
    ]);
    expect(noToken).toMatchObject({ code: 2, stderr: 'upgate: no admin token: pass --token or set UPGATE_ADMIN_TOKEN\n' });
    expect(badLimit.code).toBe(2);
    expect(badLimit.stderr).toContain('expected LIMIT/WINDOW like "500/1d", got "5/fortnight"');
    expect(badPolicy.code).toBe(2);
    expect(badPolicy.stderr).toContain('Allowed choices are all, any');
    expect(noId.code).toBe(2);
    expect(noId.stderr).toContain("missing required argument 'id'");
  });

  it('exits 1 when the gateway refuses the token or cannot be reached', async () => {
    const closedPort = await freePort();
    const [refused, unreachable] = await Promise.all([
      runCli(['keys', 'list', '--url', target.url, '--token', 'not-the-token']),
      runCli(['usage', '--url', `http://127.0.0.1:${closedPort}`, '--token', 't']),
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^upgate: GET \/admin\/keys: 401 .*\(code 1016\)/);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain(`upgate: cannot reach the gateway at http://127.0.0.1:${closedPort} (ECONNREFUSED)`);
  });
});
