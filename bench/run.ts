/**
 * `npm run bench [-- <scenario> …]`: runs the benchmark scenarios (all by default) against a private
 * redis-server, prints every figure against its target, and — when every scenario ran — writes
 * docs/benchmarks.md. A failing scenario is reported as a missed row; the others still run.
 */
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { stopAll } from './lib/child.js';
import { nginxVersion } from './lib/nginx.js';
import { describeMachine, printRow, writeReport, type Row } from './lib/report.js';
import { redisVersion, startRedis } from './lib/redis-server.js';
import type { Scenario } from './lib/scenario.js';
import { addedLatency } from './scenarios/added-latency.js';
import { admissionThroughput } from './scenarios/admission-throughput.js';
import { budgetUtilisation } from './scenarios/budget-utilisation.js';
import { memory } from './scenarios/memory.js';
import { redisCost } from './scenarios/redis-cost.js';
import { redisCluster } from './scenarios/redis-cluster.js';
import { scaling } from './scenarios/scaling.js';

const scenarios: Scenario[] = [admissionThroughput, addedLatency, redisCost, memory, budgetUtilisation, scaling, redisCluster];

const picked = process.argv.slice(2);
const unknown = picked.filter((name) => !scenarios.some((scenario) => scenario.name === name));
if (unknown.length > 0) {
  console.error(`unknown scenario(s) ${unknown.join(', ')}; known: ${scenarios.map((scenario) => scenario.name).join(', ')}`);
  process.exit(2);
}
const selected = picked.length > 0 ? scenarios.filter((scenario) => picked.includes(scenario.name)) : scenarios;

/** Longest a scenario may take; past it, its processes are stopped (which ends its load runs) and it counts as failed. */
const scenarioDeadlineMs = 180_000;

async function withDeadline(run: Promise<Row[]>, keep: number[]): Promise<Row[]> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      void stopAll(keep);
      reject(new Error(`did not finish within ${scenarioDeadlineMs / 1000} s (a request hung?)`));
    }, scenarioDeadlineMs);
  });
  try {
    return await Promise.race([run, deadline]);
  } finally {
    clearTimeout(timer);
    // A scenario abandoned at its deadline must not leave its processes running into the next.
    await stopAll(keep);
  }
}

process.once('SIGINT', () => void stopAll().then(() => process.exit(130)));

const redis = await startRedis();
const rows: Row[] = [];
try {
  for (const scenario of selected) {
    const started = Date.now();
    console.log(`\n== ${scenario.name}`);
    let produced: Row[];
    try {
      produced = await withDeadline(scenario.run({ redis, prefix: (name) => `bench-${name}-${randomUUID().slice(0, 8)}:` }), [redis.pid]);
    } catch (error) {
      produced = [{ scenario: scenario.name, figure: 'scenario failed', value: 'no result', met: false, note: (error as Error).message.split('\n')[0]! }];
    }
    produced.forEach(printRow);
    rows.push(...produced);
    console.log(`   (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  }
  if (selected.length === scenarios.length) {
    const require = createRequire(import.meta.url);
    writeReport('docs/benchmarks.md', {
      command: 'npm run bench',
      ...describeMachine(),
      redis: await redisVersion(redis.client),
      nginx: nginxVersion(),
      autocannon: (require('autocannon/package.json') as { version: string }).version,
    }, rows);
    console.log('\nwrote docs/benchmarks.md');
  }
} finally {
  await redis.stop();
  await stopAll();
}
