import { Command, InvalidArgumentError } from 'commander';
import { parseDuration } from '../config/units.js';
import type { AdminJobView } from '../queue/types.js';
import { createAdminClient, withAdminFlags, type AdminFlags } from './admin-client.js';
import { humanDuration, printJson } from './format.js';
import { action } from './run.js';

interface Holds {
  paused: boolean;
  heldLanes: Record<string, number | null>;
}

type Flags = AdminFlags & { json?: boolean };

function duration(value: string): string {
  if (!(parseDuration(value) ?? 0)) throw new InvalidArgumentError(`expected a duration like "10m", got "${value}"`);
  return value;
}

function describeHolds(holds: Holds): string {
  const lanes = Object.entries(holds.heldLanes).map(([id, until]) => `${id} (${until === null ? 'until resumed' : `for ${humanDuration(until - Date.now())}`})`);
  return `queue: ${holds.paused ? 'paused (accepting uploads, sending none)' : 'running'}\nheld lanes: ${lanes.length ? lanes.join(', ') : 'none'}\n`;
}

/** One admin POST whose answer is printed as JSON or described in one line. */
function post<T>(command: Command, path: (arg: string | undefined) => string, describe: (answer: T, arg: string | undefined) => string, body?: (flags: Flags & Record<string, unknown>) => unknown): Command {
  return withAdminFlags(command.option('--json', 'print JSON')).action(
    action(async (...args: unknown[]) => {
      const arg = typeof args[0] === 'string' ? args[0] : undefined;
      const flags = args.find((a) => a && typeof a === 'object' && !(a instanceof Command)) as Flags & Record<string, unknown>;
      const answer = await createAdminClient(flags).request<T>('POST', path(arg), body?.(flags));
      if (flags.json) return printJson(answer);
      process.stdout.write(describe(answer, arg));
    }),
  );
}

const laneId = (id: string | undefined) => encodeURIComponent(id!);

/** `upgate lanes pause|resume|reset <id>`, added to the `lanes` command. */
export function withLaneActions(lanes: Command): Command {
  post<Holds>(
    lanes.command('pause <id>').description('hold a lane (until resumed, or --for a while): it sends nothing, its budget is kept').option('--for <duration>', 'end the hold after this long, e.g. 10m', duration),
    (id) => `/admin/lanes/${laneId(id)}/pause`,
    (holds, id) => `held lane ${id}\n${describeHolds(holds)}`,
    (flags) => (flags.for ? { for: flags.for } : {}),
  );
  post<Holds>(lanes.command('resume <id>').description("end an operator's hold and an upstream 429 pause of a lane"), (id) => `/admin/lanes/${laneId(id)}/resume`, (holds, id) => `resumed lane ${id}\n${describeHolds(holds)}`);
  post<unknown>(lanes.command('reset <id>').description('forget what a lane used in its windows (every window opens fresh)'), (id) => `/admin/lanes/${laneId(id)}/reset`, (_answer, id) => `reset the budget counts of lane ${id}\n`);
  return lanes;
}

/** `upgate jobs cancel|retry <id>` and `upgate jobs purge`, added to the `jobs` command. */
export function withJobActions(jobs: Command): Command {
  post<AdminJobView>(jobs.command('cancel <id>').description('cancel a queued or active job (it fails with code 1022)'), (id) => `/admin/jobs/${encodeURIComponent(id!)}/cancel`, (job) => `cancelled job ${job.id}\n`);
  post<AdminJobView>(jobs.command('retry <id>').description("send a failed job's upload again, as a new job"), (id) => `/admin/jobs/${encodeURIComponent(id!)}/retry`, (job, id) => `retried job ${id} as job ${job.id} (${job.status})\n`);
  post<{ purged: number }>(jobs.command('purge').description('forget every failed job now'), () => '/admin/jobs/purge', (answer) => `purged ${answer.purged} failed jobs\n`);
  return jobs;
}

/** `upgate queue [pause|resume]`: hold or release every dispatch on every instance. */
export function queueCommand(): Command {
  const queue = withAdminFlags(new Command('queue').description('show whether the queue or lanes are held; pause or resume the queue').option('--json', 'print JSON')).action(
    action(async (flags: Flags) => {
      const holds = await createAdminClient(flags).request<Holds>('GET', '/admin/queue');
      if (flags.json) return printJson(holds);
      process.stdout.write(describeHolds(holds));
    }),
  );
  post<Holds>(queue.command('pause').description('send nothing upstream (uploads are still accepted and queued)'), () => '/admin/queue/pause', describeHolds);
  post<Holds>(queue.command('resume').description('send the queue again'), () => '/admin/queue/resume', describeHolds);
  return queue;
}
