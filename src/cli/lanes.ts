import { Command } from 'commander';
import type { LaneSnapshot } from '../queue/types.js';
import { formatDuration } from '../config/units.js';
import { createAdminClient, withAdminFlags, type AdminFlags } from './admin-client.js';
import { humanDuration, printJson, table } from './format.js';
import { action } from './run.js';

function rows(lane: LaneSnapshot, now: number): string[][] {
  const state = lane.pausedUntil ? `paused ${humanDuration(lane.pausedUntil - now)}` : lane.remaining > 0 ? 'sending' : 'waiting for budget';
  return lane.windows.map((window, index) => [
    index === 0 ? lane.id : '',
    index === 0 ? (lane.localAddress ?? 'default') : '',
    `${window.scope} ${formatDuration(window.windowMs)}`,
    `${window.remaining}/${window.limit}`,
    humanDuration(window.resetAt - now),
    index === 0 ? state : '',
  ]);
}

/** `upgate lanes`: each lane's upstream budget per window, and whether it is sending, waiting or paused. */
export function lanesCommand(): Command {
  return withAdminFlags(new Command('lanes').description("show each lane's upstream budget: remaining per window, resets, pauses").option('--json', 'print JSON for scripts')).action(
    action(async (flags: AdminFlags & { json?: boolean }) => {
      const { lanes } = await createAdminClient(flags).request<{ lanes: LaneSnapshot[] }>('GET', '/admin/lanes');
      if (flags.json) return printJson(lanes);
      const now = Date.now();
      const body = lanes.length ? table(['LANE', 'ADDRESS', 'WINDOW', 'LEFT/LIMIT', 'RESETS IN', 'STATE'], lanes.flatMap((lane) => rows(lane, now))) : 'no lanes configured';
      process.stdout.write(`${body}\n`);
    }),
  );
}
