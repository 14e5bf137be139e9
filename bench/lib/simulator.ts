import type { SimStats } from '../../src/simulator/stats.js';
import { startNode, type Child } from './child.js';

export interface SimulatorProcess {
  url: string;
  pid: number;
  stats(): Promise<SimStats>;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

/** Limits high enough never to bind within a bench run: "the simulator without limits". */
export const unlimited = '1000000000/1d';

export interface SimulatorLimits {
  /** Per source IP, as `LIMIT/WINDOW` (e.g. `10/2s`). */
  ipLimit: string;
  /** Per Client-ID. */
  clientLimit: string;
}

/** The Imgur-like upstream simulator as its own process, via the CLI (`upgate simulate-upstream`). */
export async function startSimulatorProcess(limits: SimulatorLimits = { ipLimit: unlimited, clientLimit: unlimited }): Promise<SimulatorProcess> {
  const child: Child = startNode('src/cli/main.ts', ['simulate-upstream', '--port', '0', '--ip-limit', limits.ipLimit, '--client-limit', limits.clientLimit]);
  const { url } = (await child.event('listening')) as { url: string };
  return {
    url,
    pid: child.pid,
    stats: async () => (await (await fetch(`${url}/_sim/stats`)).json()) as SimStats,
    reset: async () => void (await fetch(`${url}/_sim/reset`, { method: 'POST' })),
    stop: () => child.stop(),
  };
}
