import { parseConfig } from '../../src/config/load.js';
import { createKeyRegistry } from '../../src/keys/registry.js';
import { openBackend } from '../../src/store/backend.js';
import { benchConfig, clientIdHeader, exhaustedKey } from '../lib/bench-config.js';
import { unexpectedAnswers } from '../lib/answers.js';
import { startGatewayProcess, type ServerProcess } from '../lib/gateway.js';
import { runAlternating, runLoad, runLoadTogether, throughputRun, type LoadOptions, type LoadResult } from '../lib/load.js';
import { fmt, ratioRow, type Row } from '../lib/report.js';
import { diffCounters, readCounters } from '../lib/redis-server.js';
import type { Scenario } from '../lib/scenario.js';
import { startSimulatorProcess } from '../lib/simulator.js';
import { multipartUpload, pngOfSize } from '../lib/uploads.js';

const scenario = '6. scaling';
const tiny = multipartUpload(pngOfSize(1024));
/** Connections over all processes, the same whatever their number, so only the processes change. */
const totalConnections = 16;
const keyCounts = [10, 1_000, 100_000];
/** A stored key's quota override, as the registry takes it (parsed: window in ms): every upload refused. */
const refuseAll = { perKey: [{ limit: 0, window: 3_600_000 }] };
/** Quota windows each decision checks with these keys: the key's one window and the IP's one. */
const windowsPerDecision = 2;
/** Keys created at once while seeding. */
const seedBatch = 500;

/**
 * Rejected-admission throughput (a) with 1–4 gateway processes sharing one Redis, the load split
 * evenly over them, and (b) with 10, 1,000 and 100,000 stored keys, requests spread round-robin
 * over all of them (so with many keys, most lookups miss the per-process key cache, as they would),
 * one gateway per key count, measured in turn.
 */
export const scaling: Scenario = {
  name: 'scaling',
  async run({ redis, prefix }) {
    const simulator = await startSimulatorProcess();
    try {
      const rows: Row[] = [];
      const processesConfig = benchConfig({ redisUrl: redis.url, prefix: prefix('scaling'), upstreamUrl: simulator.url });
      let single: LoadResult | undefined;
      for (let processes = 1; processes <= 4; processes++) {
        const result = await withGateways(processesConfig, processes, (gateways) =>
          rejectedLoad(gateways.map((gateway) => ({ url: gateway.url, connections: Math.ceil(totalConnections / processes), secrets: [exhaustedKey.key] }))),
        );
        single ??= result;
        rows.push(ratioRow(scenario, `${processes} gateway process(es), rejected uploads`, result.rps, { name: '1 process', value: single.rps }, { problem: unexpectedAnswers(result, 429) }));
      }
      // One gateway per key count, all up at once and measured in turn (see alternatingRun).
      const stores: Array<{ count: number; config: ReturnType<typeof benchConfig>; secrets: string[] }> = [];
      for (const count of keyCounts) {
        const config = benchConfig({ redisUrl: redis.url, prefix: prefix(`keys-${count}`), upstreamUrl: simulator.url, keys: [] });
        stores.push({ count, config, secrets: await seedKeys(config, count) });
      }
      await withGatewaysOf(stores.map(({ config }) => config), async (gateways) => {
        const targets = stores.map(({ secrets }, i) => ({ url: gateways[i]!.url, connections: totalConnections, secrets }));
        const results = await runAlternating(targets.map(rejectedRun));
        for (const [i, { count }] of stores.entries()) {
          // Counted on its own, after the measured runs: over a minute after start, so it includes keys whose cache entries
          // outlived their lifetime and are read again behind the request (as in a long-running gateway); the start-up cache
          // fill (one HMGET per stored key) is not counted.
          const before = await readCounters(redis.client);
          await runLoad({ ...rejectedRun(targets[i]!), durationSeconds: 2 });
          const calls = diffCounters(before, await readCounters(redis.client)).calls;
          const last = count === keyCounts.at(-1);
          // The key store's lookup (one HMGET) is the Redis work that grows with the number of keys: every per-process
          // cache miss costs one more round trip. INFO also counts the admission script's own HMGETs (one per window:
          // the key's and the IP's here), which are taken off. The script calls counted include the usage history's
          // once-a-second flush, which reads nothing: it can only make the figure a hair low, so it is floored at 0.
          const decisions = (calls.evalsha ?? 0) + (calls.eval ?? 0);
          const lookups = `key-store lookups per admission decision: ${fmt(Math.max(0, ((calls.hmget ?? 0) - decisions * windowsPerDecision) / decisions), 2)}`;
          const note = last ? `${lookups}; what grows with the key count is the working set each decision touches, ${count.toLocaleString('en')} keys instead of ${keyCounts[0]}: CPU cache misses in the key lookup and the quota plan, the quota counter hashes in Redis, and a usage-history hash per key seen written once a minute (so a run this short holds at most one such write) (Prometheus series per key are capped at metrics.keyLabels)` : lookups;
          rows.push(ratioRow(scenario, `${count.toLocaleString('en')} stored keys, rejected uploads spread over all`, results[i]!.rps, { name: `${keyCounts[0]} keys`, value: results[0]!.rps }, { ...(last && { minRatio: 0.9 }), note, problem: unexpectedAnswers(results[i]!, 429) }));
        }
      });
      return rows;
    } finally {
      await simulator.stop();
    }
  },
};

function withGateways<T>(config: ReturnType<typeof benchConfig>, count: number, run: (gateways: ServerProcess[]) => Promise<T>): Promise<T> {
  return withGatewaysOf(Array.from({ length: count }, () => config), run);
}

/** One gateway process per config, stopped once `run` is done. */
async function withGatewaysOf<T>(configs: Array<ReturnType<typeof benchConfig>>, run: (gateways: ServerProcess[]) => Promise<T>): Promise<T> {
  const gateways: ServerProcess[] = [];
  try {
    for (const config of configs) gateways.push(await startGatewayProcess(config));
    return await run(gateways);
  } finally {
    for (const gateway of gateways) await gateway.stop();
  }
}

interface RejectedTarget {
  url: string;
  connections: number;
  secrets: string[];
}

/** Rejected uploads against one target, each request with the next secret of its list. */
function rejectedRun({ url, connections, secrets }: RejectedTarget): LoadOptions {
  let next = 0;
  return {
    ...throughputRun,
    connections,
    url: `${url}/3/image`,
    headers: tiny.headers,
    body: tiny.body,
    vary: (request) => ({ ...request, headers: { ...tiny.headers, ...clientIdHeader({ key: secrets[next++ % secrets.length]! }) } }),
  };
}

/** Rejected uploads against every target at once, summed. */
function rejectedLoad(targets: RejectedTarget[]): Promise<LoadResult> {
  return runLoadTogether(targets.map(rejectedRun));
}

/** Creates `count` keys with a quota of 0 through the gateway's own key registry; returns their secrets. */
async function seedKeys(input: ReturnType<typeof benchConfig>, count: number): Promise<string[]> {
  const config = parseConfig(input);
  const backend = await openBackend(config);
  const registry = await createKeyRegistry(config, backend);
  try {
    const secrets: string[] = [];
    for (let start = 0; start < count; start += seedBatch) {
      const batch = Array.from({ length: Math.min(seedBatch, count - start) }, (_, i) =>
        registry.create({ id: `bench-${start + i}`, quotas: refuseAll }).then(({ secret }) => secret),
      );
      secrets.push(...(await Promise.all(batch)));
    }
    return secrets;
  } finally {
    await registry.close();
    await backend.close();
  }
}
