import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { FaultRequest } from '../../src/simulator/faults.js';
import type { SimStats } from '../../src/simulator/stats.js';

export type { SimStats } from '../../src/simulator/stats.js';
export type { FaultRequest } from '../../src/simulator/faults.js';

export interface SpawnedSimulator {
  url: string;
  stats(): Promise<SimStats>;
  /** Body of POST /_sim/faults, e.g. { next: [{ kind: 'reset' }], latencyMs: 0 }. */
  faults(body: FaultRequest): Promise<void>;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

const root = new URL('../../', import.meta.url);

/**
 * Runs `upgate simulate-upstream --port 0 …args` as a real child process and resolves once it
 * prints its URL. The caller stops it (SIGTERM).
 */
export async function spawnSimulator(args: string[] = []): Promise<SpawnedSimulator> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'simulate-upstream', '--port', '0', ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      try {
        const event = JSON.parse(line) as { event?: string; url?: string };
        if (event.event === 'listening' && event.url) resolve(event.url);
      } catch {
        // Not an event line.
      }
    });
    void exited.then(() => reject(new Error(`simulate-upstream exited before listening: ${stderr}`)));
  });

  async function control(path: string, init: RequestInit = {}): Promise<Response> {
    const response = await fetch(`${url}${path}`, init);
    if (!response.ok) throw new Error(`${path} answered ${response.status}: ${await response.text()}`);
    return response;
  }

  return {
    url,
    stats: async () => (await control('/_sim/stats')).json() as Promise<SimStats>,
    faults: async (body) => void (await control('/_sim/faults', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })),
    reset: async () => void (await control('/_sim/reset', { method: 'POST' })),
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
