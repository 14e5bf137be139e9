import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, upload, type TestGateway } from '../ops/test-gateway.js';
import { runCli } from './run-cli.js';

describe('upgate usage', () => {
  let target: TestGateway;
  let env: Record<string, string>;
  beforeAll(async () => {
    target = await startTestGateway();
    env = { UPGATE_URL: target.url, UPGATE_ADMIN_TOKEN: target.adminToken };
    for (let n = 0; n < 2; n++) expect((await upload(target.url, { authorization: `Client-ID ${target.appKey}` })).status).toBe(200);
  });
  afterAll(async () => {
    await target?.close();
  });

  it("prints every key's windows as an aligned table with the busiest IPs", async () => {
    const result = await runCli(['usage'], env);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const lines = result.stdout.split('\n');
    expect(lines[0]).toMatch(/^KEY\s+WINDOW\s+USED\/LIMIT\s+REMAINING\s+RESETS IN$/);
    expect(result.stdout).toMatch(/^app1\s+key-1h\s+2\/20\s+18\s+(59m|1h)/m);
    expect(result.stdout).toMatch(/^CLIENT IP\s+WINDOW/m);
    // Aligned: every row of the key table starts its WINDOW column where the header does.
    const column = lines[0]!.indexOf('WINDOW');
    for (const line of lines.slice(2).filter((line) => line.startsWith('app1'))) expect(line.indexOf('key-1h')).toBe(column);
  });

  it('prints JSON for scripts with --json', async () => {
    const result = await runCli(['usage', '--json', '--url', target.url, '--token', target.adminToken]);
    expect(result.code).toBe(0);
    const usage = JSON.parse(result.stdout);
    const app1 = usage.keys.find((key: { id: string }) => key.id === 'app1');
    expect(app1.windows.find((w: { scope: string }) => w.scope === 'key')).toMatchObject({ used: 2, remaining: 18, limit: 20 });
    // Window lengths as the config writes them, not milliseconds.
    expect(app1.windows.map((w: { window: string }) => w.window)).toContain('1h');
    expect(result.stdout).not.toContain('windowMs');
  });
});
