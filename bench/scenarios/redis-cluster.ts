import { parseConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/ops/logger.js';
import { createMetrics } from '../../src/ops/metrics.js';
import { createAdmission } from '../../src/quota/admission.js';
import { openBackend } from '../../src/store/backend.js';
import { RedisCluster } from '../../test/support/redis-cluster.js';
import { unexpectedAnswers } from '../lib/answers.js';
import { benchConfig, clientIdHeader, exhaustedKey, openKey } from '../lib/bench-config.js';
import { startGatewayProcess } from '../lib/gateway.js';
import { runLoad, throughputRun } from '../lib/load.js';
import { fmt, ratioRow, type Row } from '../lib/report.js';
import type { Scenario } from '../lib/scenario.js';
import { startSimulatorProcess } from '../lib/simulator.js';
import { summarise } from '../lib/stats.js';
import { multipartUpload, pngOfSize } from '../lib/uploads.js';

const scenario = '7. Redis Cluster';
const tiny = multipartUpload(pngOfSize(1024));
/** Admissions timed one at a time: the round trip of one decision, not a queue of them. */
const sequentialAdmissions = 2_000;

/**
 * The same work on a 3-master Redis Cluster (no replicas, on this machine) beside the run's single
 * redis-server: one admission decision's round trip (the admission script, in process, one at a
 * time), and the gateway's throughput of refused and of admitted tiny uploads.
 */
export const redisCluster: Scenario = {
  name: 'cluster',
  async run({ redis, prefix }) {
    const cluster = await RedisCluster.start();
    const simulator = await startSimulatorProcess();
    try {
      const single = await measure(redis.url, prefix('cluster-single'), simulator.url);
      const onCluster = await measure(cluster.url, prefix('cluster'), simulator.url);
      const rows: Row[] = [];
      for (const [label, value] of [['single Redis', single], ['Cluster', onCluster]] as const) {
        rows.push({ scenario, figure: `admission round trip, ${label}`, value: `p50 ${fmt(value.admission.p50, 3)} ms, p99 ${fmt(value.admission.p99, 3)} ms`, note: `${sequentialAdmissions} decisions one at a time, in process` });
      }
      rows.push(
        ratioRow(scenario, 'refused uploads (429) on the Cluster', onCluster.refused.rps, { name: 'single Redis', value: single.refused.rps }, { problem: unexpectedAnswers(onCluster.refused, 429) ?? unexpectedAnswers(single.refused, 429) }),
        ratioRow(scenario, 'admitted tiny uploads (200) on the Cluster', onCluster.admitted.rps, { name: 'single Redis', value: single.admitted.rps }, {
          problem: unexpectedAnswers(onCluster.admitted, 200) ?? unexpectedAnswers(single.admitted, 200),
          note: 'the Cluster client sends each command on its own (no auto-pipelining: ioredis refuses groups that span slots), and a payload’s chunks go to several shards',
        }),
      );
      return rows;
    } finally {
      await simulator.stop();
      await cluster.stop();
    }
  },
};

async function measure(redisUrl: string, keyPrefix: string, upstreamUrl: string) {
  const config = benchConfig({ redisUrl, prefix: keyPrefix, upstreamUrl });
  const parsed = parseConfig(config);
  const backend = await openBackend(parsed);
  let admission;
  try {
    const decide = createAdmission(parsed, backend, { clock: Date.now, metrics: createMetrics(), logger: createLogger('silent') });
    // A key of its own (the config's quotas are generous), so the gateway's runs below start fresh.
    const key = { id: 'bench-direct', weight: 1, source: 'config' as const };
    for (let i = 0; i < 200; i++) await decide.admit(key, '10.0.0.1');
    const latencies: number[] = [];
    for (let i = 0; i < sequentialAdmissions; i++) {
      const started = performance.now();
      await decide.admit(key, `10.0.${i % 250}.1`);
      latencies.push(performance.now() - started);
    }
    admission = summarise(latencies);
  } finally {
    await backend.close();
  }
  const throughput = async (headers: Record<string, string>) => {
    const gateway = await startGatewayProcess(config);
    try {
      return await runLoad({ ...throughputRun, url: `${gateway.url}/3/image`, headers: { ...tiny.headers, ...headers }, body: tiny.body });
    } finally {
      await gateway.stop();
    }
  };
  return { admission, refused: await throughput(clientIdHeader(exhaustedKey)), admitted: await throughput(clientIdHeader(openKey)) };
}
