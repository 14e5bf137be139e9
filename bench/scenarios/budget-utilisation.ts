import { setTimeout as sleep } from 'node:timers/promises';
import { benchConfig, clientIdHeader, generousCredits, openKey } from '../lib/bench-config.js';
import { unexpectedAnswers } from '../lib/answers.js';
import { startGatewayProcess } from '../lib/gateway.js';
import { runLoad } from '../lib/load.js';
import { fmt, type Row } from '../lib/report.js';
import type { Scenario } from '../lib/scenario.js';
import { startSimulatorProcess, unlimited } from '../lib/simulator.js';
import { percentile } from '../lib/stats.js';
import { multipartUpload, pngOfSize } from '../lib/uploads.js';
import { windowUse } from '../lib/windows.js';

const scenario = '5. upstream budget utilisation';
const limit = 10;
const windowMs = 2_000;
const windows = 10;
const addresses = ['127.0.0.2', '127.0.0.3', '127.0.0.4'];
/** More than the lanes can send in the measured span (3 × 10 per 2 s × 10 windows = 300), so the queue never runs dry. */
const backlog = 420;

/**
 * A backlog drained through 3 lanes (egress 127.0.0.2–4) against the simulator's per-IP windows of
 * 10 uploads per 2 s: the share of the upstream's allowance used over 10 windows, the 429s the
 * upstream had to send, and how long after a window reopens the next upload arrives.
 */
export const budgetUtilisation: Scenario = {
  name: 'budget',
  async run({ redis, prefix }) {
    const simulator = await startSimulatorProcess({ ipLimit: `${limit}/${windowMs / 1000}s`, clientLimit: unlimited });
    const lanes = addresses.map((localAddress, i) => ({ id: `lane${i + 1}`, clientId: `bench-lane-${i + 1}`, localAddress, limits: [{ limit, window: `${windowMs}ms` }], credits: generousCredits }));
    const gateway = await startGatewayProcess(benchConfig({ redisUrl: redis.url, prefix: prefix('budget'), upstreamUrl: simulator.url, lanes }));
    try {
      const upload = multipartUpload(pngOfSize(1024), { ...clientIdHeader(openKey), prefer: 'respond-async' });
      const queued = await runLoad({ url: `${gateway.url}/3/image`, headers: upload.headers, body: upload.body, connections: 10, amount: backlog });
      const problem = unexpectedAnswers(queued, 202);
      if (problem) throw new Error(`filling the backlog: ${problem}`);
      // Wait until every address has had its 10 windows (each starts at its first upload).
      for (;;) {
        const { received } = await simulator.stats();
        const firsts = addresses.map((ip) => received.find((upload) => upload.ip === ip)?.at);
        if (firsts.every((at) => at !== undefined) && Date.now() > Math.max(...(firsts as number[])) + windows * windowMs + 500) break;
        await sleep(500);
      }
      const stats = await simulator.stats();
      const uses = addresses.map((ip) => windowUse(stats.received.filter((upload) => upload.ip === ip), limit, windowMs, windows));
      const used = uses.reduce((sum, use) => sum + use.used, 0);
      const allowed = uses.reduce((sum, use) => sum + use.allowed, 0);
      const delays = uses.flatMap((use) => use.reopenDelaysMs);
      const perLane = uses.map((use, i) => `${addresses[i]} ${use.used}/${use.allowed}`).join(', ');
      return [
        { scenario, figure: 'upstream allowance used (3 lanes, 10/2s each, 10 windows)', value: `${fmt((used / allowed) * 100, 1)}% (${used}/${allowed})`, target: '≥ 98%', met: used / allowed >= 0.98, note: `per address: ${perLane}` },
        { scenario, figure: 'upstream 429s', value: String(stats.rateLimited), target: '0', met: stats.rateLimited === 0 },
        {
          scenario,
          figure: 'delay from a window reopening to the next upload',
          value: `p50 ${fmt(percentile(delays, 50), 0)} ms, max ${fmt(Math.max(...delays), 0)} ms`,
          note: `${delays.length} reopenings; a late first upload also shifts the upstream's next window, which is why it costs allowance`,
        },
      ] satisfies Row[];
    } finally {
      await gateway.stop();
      await simulator.stop();
    }
  },
};
