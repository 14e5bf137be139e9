import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const vitestBin = 'node_modules/vitest/vitest.mjs';

/** Runs the fixtures in test/support/fixtures as a separate vitest run, reporting through the summary reporter only. */
function runFixtures(): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [vitestBin, 'run', '--config', 'test/support/fixtures/vitest.fixture.config.ts'], { timeout: 60_000, env: { ...process.env, CI: 'true' } }, (error, stdout) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout });
    });
  });
}

describe('the closing line of a test run', () => {
  it('counts a module that failed before its tests (on import or in beforeAll) as failed', async () => {
    const { code, stdout } = await runFixtures();
    // passes.fixture.ts passes; fails-on-import and fails-before-its-tests each count once; the two
    // tests that never ran are skipped.
    expect(stdout.trim().split('\n').at(-1)).toBe('tests: 1 passed, 2 failed, 2 skipped');
    expect(code).toBe(1);
  });
});
