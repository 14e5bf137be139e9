import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { benchConfig, clientIdHeader, exhaustedKey, openKey } from '../lib/bench-config.js';
import { unexpectedAnswers } from '../lib/answers.js';
import { startGatewayProcess } from '../lib/gateway.js';
import { runLoad, throughputRun } from '../lib/load.js';
import { fmt, type Row } from '../lib/report.js';
import { monitorCommands, type CommandCounts } from '../lib/redis-monitor.js';
import { diffCounters, readCounters } from '../lib/redis-server.js';
import { startRoundTripProxy } from '../lib/round-trip-proxy.js';
import type { Scenario } from '../lib/scenario.js';
import { startSimulatorProcess } from '../lib/simulator.js';
import { multipartUpload, pngOfSize } from '../lib/uploads.js';

const scenario = '3. Redis cost';
const tiny = multipartUpload(pngOfSize(1024));
/** Requests sent one at a time, so round trips and commands can be attributed to requests. */
const sequential = 300;
/** Queued uploads sent one at a time, each waited for upstream. */
const queuedSequential = 100;
/** MONITOR lines arrive just after the answers they belong to. */
const settleMs = 300;

/**
 * Redis commands and round trips per rejected and per admitted upload. The gateway reaches Redis
 * through a counting proxy (round trips), MONITOR names each command and script (admission script
 * calls vs queue and payload commands), INFO gives commands run (inside scripts too) and CPU.
 * Requests go one at a time; the gateway's background traffic, measured while idle, is subtracted.
 */
export const redisCost: Scenario = {
  name: 'redis',
  async run({ redis, prefix }) {
    const simulator = await startSimulatorProcess();
    const proxy = await startRoundTripProxy(redis.url);
    const gateway = await startGatewayProcess(benchConfig({ redisUrl: proxy.url, prefix: prefix('redis'), upstreamUrl: simulator.url }));
    const monitor = await monitorCommands(redis.client);
    try {
      const send = (key: typeof openKey, amount: number) =>
        runLoad({ url: `${gateway.url}/3/image`, headers: { ...tiny.headers, ...clientIdHeader(key) }, body: tiny.body, connections: 1, amount });
      // Warm: scripts loaded, keys cached, connections open.
      await send(exhaustedKey, 20);
      await send(openKey, 20);

      const sample = async (work: () => Promise<number>) => {
        await sleep(settleMs);
        monitor.take();
        const before = { counters: await readCounters(redis.client), roundTrips: proxy.roundTrips(), at: performance.now() };
        const requests = await work();
        await sleep(settleMs);
        const seconds = (performance.now() - before.at) / 1000;
        const counters = diffCounters(before.counters, await readCounters(redis.client));
        delete counters.calls.info;
        return { requests, seconds, commands: monitor.take(), roundTrips: proxy.roundTrips() - before.roundTrips, executed: Object.values(counters.calls).reduce((a, b) => a + b, 0) };
      };
      const idle = await sample(async () => (await sleep(3_000), 0));
      const perRequest = (measured: Awaited<ReturnType<typeof sample>>) => {
        const background = measured.seconds / idle.seconds;
        const net = (value: number, idleValue: number) => (value - idleValue * background) / measured.requests;
        return {
          roundTrips: net(measured.roundTrips, idle.roundTrips),
          executed: net(measured.executed, idle.executed),
          admit: (measured.commands['script:admit'] ?? 0) / measured.requests,
          breakdown: describe(measured.commands, idle.commands, background, measured.requests),
        };
      };
      const rejectedRun = await sample(async () => checked(await send(exhaustedKey, sequential), 429));
      const admittedRun = await sample(async () => checked(await send(openKey, sequential), 200));
      // Queued uploads (Prefer: respond-async) one at a time, each until the simulator has it: intake to finish.
      // Each is one plain request (a load generator per upload would spend ~1 s starting and stopping, and
      // the once-a-second writes of totals and history would then look like a cost of every upload).
      const queuedRun = await sample(async () => {
        for (let i = 0; i < queuedSequential; i++) {
          const before = (await simulator.stats()).uploads;
          const answer = await request(`${gateway.url}/3/image`, { method: 'POST', headers: { ...tiny.headers, ...clientIdHeader(openKey), prefer: 'respond-async' }, body: tiny.body });
          await answer.body.dump();
          if (answer.statusCode !== 202) throw new Error(`expected 202 answers, got ${answer.statusCode}`);
          await waitUntil(async () => (await simulator.stats()).uploads > before);
        }
        // The finish follows the upstream's answer: let the last one land before counting stops.
        return queuedSequential;
      });
      const rejected = perRequest(rejectedRun);
      const admitted = perRequest(admittedRun);
      const queued = perRequest(queuedRun);

      const cpuPerThousand = async (key: typeof openKey, status: number) => {
        const before = await readCounters(redis.client);
        const result = await runLoad({ ...throughputRun, warmupSeconds: 0, url: `${gateway.url}/3/image`, headers: { ...tiny.headers, ...clientIdHeader(key) }, body: tiny.body });
        const delta = diffCounters(before, await readCounters(redis.client));
        return (delta.cpuSeconds * 1000 * 1000) / checked(result, status);
      };
      const rejectedCpu = await cpuPerThousand(exhaustedKey, 429);
      const admittedCpu = await cpuPerThousand(openKey, 200);

      return [
        {
          scenario,
          figure: 'rejected upload: Redis round trips',
          value: `${fmt(rejected.roundTrips, 2)} per request`,
          target: 'exactly 1 per admission decision',
          met: Math.abs(rejected.roundTrips - 1) < 0.05 && rejected.admit === 1,
          note: `admission script calls per request ${fmt(rejected.admit, 2)}; client commands per request: ${rejected.breakdown}; commands executed incl. inside scripts ${fmt(rejected.executed, 1)} (background while idle: ${fmt(idle.roundTrips / idle.seconds, 1)} round trips/s, subtracted)`,
        },
        {
          scenario,
          figure: 'admitted upload: admission script calls',
          value: `${fmt(admitted.admit, 2)} per request`,
          target: 'exactly 1 per admission decision',
          met: admitted.admit === 1,
        },
        {
          scenario,
          figure: 'admitted upload, budget free, no backlog (cut-through): Redis round trips',
          value: `${fmt(admitted.roundTrips, 2)} per upload`,
          target: '≤ 4',
          met: admitted.roundTrips <= 4.05,
          note: `client commands per upload: ${admitted.breakdown}; commands executed incl. inside scripts ${fmt(admitted.executed, 1)}`,
        },
        {
          scenario,
          figure: 'queued upload (respond-async), intake to finish: Redis round trips',
          value: `${fmt(queued.roundTrips, 2)} per upload`,
          target: '≤ 8',
          met: queued.roundTrips <= 8.05,
          note: `client commands per upload: ${queued.breakdown}; commands executed incl. inside scripts ${fmt(queued.executed, 1)}`,
        },
        { scenario, figure: 'Redis CPU per 1,000 rejected decisions', value: `${fmt(rejectedCpu, 1)} ms` },
        { scenario, figure: 'Redis CPU per 1,000 admitted uploads (admission + queue + payloads)', value: `${fmt(admittedCpu, 1)} ms` },
      ];
    } finally {
      await monitor.stop();
      await gateway.stop();
      await proxy.close();
      await simulator.stop();
    }
  },
};

async function waitUntil(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('a queued upload did not reach the simulator in time');
    await sleep(2);
  }
}

/** How many answers had `status`; throws when the run was not what it should measure. */
function checked(result: Awaited<ReturnType<typeof runLoad>>, status: number): number {
  const problem = unexpectedAnswers(result, status);
  if (problem) throw new Error(problem);
  return result.requests;
}

/** `script:admit 1.00, hmget 0.01, …` per request, background subtracted, largest first. */
function describe(commands: CommandCounts, idle: CommandCounts, background: number, requests: number): string {
  return Object.entries(commands)
    .map(([name, count]) => [name, (count - (idle[name] ?? 0) * background) / requests] as const)
    .filter(([, perRequest]) => perRequest >= 0.005)
    .sort((a, b) => b[1] - a[1])
    .map(([name, perRequest]) => `${name} ${fmt(perRequest, 2)}`)
    .join(', ');
}
