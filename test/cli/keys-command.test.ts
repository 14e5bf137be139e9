import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, startTestGateway, type TestGateway } from '../ops/test-gateway.js';
import { runCli } from './run-cli.js';

describe('upgate keys', () => {
  let target: TestGateway;
  let env: Record<string, string>;
  beforeAll(async () => {
    target = await startTestGateway();
    env = { UPGATE_URL: target.url, UPGATE_ADMIN_TOKEN: target.adminToken };
  });
  afterAll(async () => {
    await target?.close();
  });

  const credits = (key: string) => fetch(`${target.url}/3/credits`, { headers: { authorization: `Client-ID ${key}` } }).then((response) => response.status);

  it('creates a key with limits and prints its secret once', async () => {
    const result = await runCli(['keys', 'create', 'cli-app', '--weight', '2', '--policy', 'any', '--per-key', '500/1d', '50/1h', '--per-ip', '30/1h'], env);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const secret = /secret: (\S+)/.exec(result.stdout)?.[1];
    expect(secret).toBeDefined();
    expect(await credits(secret!)).toBe(200);
    const shown = await admin(target, 'GET', '/admin/keys/cli-app');
    expect(shown.body).toMatchObject({ weight: 2, policy: 'any', quotas: { perKey: [{ limit: 500, window: 86_400_000 }, { limit: 50, window: 3_600_000 }], perIp: [{ limit: 30, window: 3_600_000 }] } });
  });

  it('lists keys as a table, or as JSON', async () => {
    await admin(target, 'POST', '/admin/keys', { id: 'listed-by-cli' });
    const [table, json] = await Promise.all([runCli(['keys', 'list'], env), runCli(['keys', 'list', '--json'], env)]);
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^KEY\s+SOURCE\s+POLICY\s+WEIGHT/);
    expect(table.stdout).toMatch(/^app1\s+config\s+all\s+1/m);
    expect(table.stdout).toMatch(/^listed-by-cli\s+store/m);
    expect(JSON.parse(json.stdout).map((key: { id: string }) => key.id)).toEqual(expect.arrayContaining(['app1', 'listed-by-cli']));
  });

  it("changes a key's weight, policy and limits, keeping the limits not named", async () => {
    await admin(target, 'POST', '/admin/keys', { id: 'to-set', quotas: { perIp: [{ limit: 7, window: '1h' }] } });
    const result = await runCli(['keys', 'set', 'to-set', '--weight', '4', '--policy', 'any', '--per-key', '9/1m'], env);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^to-set\s+store\s+any\s+4\s+9\/1m\s+7\/1h/m);
    const shown = await admin(target, 'GET', '/admin/keys/to-set');
    expect(shown.body).toMatchObject({ weight: 4, policy: 'any', quotas: { perKey: [{ limit: 9, window: 60_000 }], perIp: [{ limit: 7, window: 3_600_000 }] } });
    const nothing = await runCli(['keys', 'set', 'to-set'], env);
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toContain('nothing to change');
  });

  it('shows one key with its windows, as JSON with durations as the config writes them, and resets its counters', async () => {
    const created = await admin(target, 'POST', '/admin/keys', { id: 'shown', quotas: { perKey: [{ limit: 9, window: '1m' }], perIp: [{ limit: 7, window: 3_600_000 }] } });
    await credits(created.body.key);
    const shown = await runCli(['keys', 'show', 'shown'], env);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/WINDOW\s+USED\s+REMAINING\s+RESETS IN/);
    const json = await runCli(['keys', 'show', 'shown', '--json'], env);
    // In the key's quotas as in its windows, whichever way the window was given.
    expect(JSON.parse(json.stdout)).toMatchObject({ quotas: { perKey: [{ limit: 9, window: '1m' }], perIp: [{ limit: 7, window: '1h' }] }, windows: expect.arrayContaining([expect.objectContaining({ limit: 9, window: '1m' })]) });
    expect(json.stdout).not.toMatch(/"window(Ms)?": \d/);
    const reset = await runCli(['keys', 'reset', 'shown'], env);
    expect(reset).toMatchObject({ code: 0, stdout: 'reset the counters of key shown\n' });
  });

  it('revokes a key: its clients are refused', async () => {
    const created = await admin(target, 'POST', '/admin/keys', { id: 'revoked-by-cli' });
    expect(await credits(created.body.key)).toBe(200);
    const result = await runCli(['keys', 'revoke', 'revoked-by-cli'], env);
    expect(result).toMatchObject({ code: 0, stdout: 'revoked key revoked-by-cli\n' });
    expect(await credits(created.body.key)).toBe(403);
    const again = await runCli(['keys', 'revoke', 'revoked-by-cli'], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^upgate: DELETE \/admin\/keys\/revoked-by-cli: 404 /);
  });
});
