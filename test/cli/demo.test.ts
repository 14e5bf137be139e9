import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

describe('upgate demo --fast', () => {
  it('shows direct uploads refused with 429 and every upload delivered through upgate without one', async () => {
    const result = await runCli(['demo', '--fast'], {}, 60_000);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const direct = /direct: (\d+) ok \/ (\d+) rejected \(upstream 429 "Upload limit reached"\)/.exec(result.stdout);
    expect(direct).not.toBeNull();
    // 24 uploads against 5 per 2 s from one IP: most are refused (a window may turn over on a slow machine).
    expect(Number(direct![1]) + Number(direct![2])).toBe(24);
    expect(Number(direct![2])).toBeGreaterThanOrEqual(9);
    expect(result.stdout).toMatch(/upgate: 24\/24 delivered, 0 failed, 0 upstream 429s, elapsed [\d.]+s/);
    expect(result.stdout).toContain('delivered per app: app-1 8, app-2 8, app-3 8');
    expect(result.stdout).toMatch(/live dashboard: http:\/\/127\.0\.0\.1:\d+\/dashboard#token=[0-9a-f]{32}/);
  });
});
