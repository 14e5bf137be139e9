import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    globalSetup: ['test/support/redis-server.ts'],
    reporters: ['default', './test/support/summary-reporter.ts'],
    // Integration tests start real processes; on a loaded 2-core machine they need room.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'integration', include: ['test/**/*.test.ts'], exclude: ['test/e2e/**'] } },
      // The end-to-end runs drive real windows of real processes: they run last, one at a time, so the
      // rest of the suite does not starve them of CPU.
      { extends: true, test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], fileParallelism: false, sequence: { groupOrder: 1 } } },
    ],
  },
});
