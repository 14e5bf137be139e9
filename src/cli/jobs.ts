import { Command, InvalidArgumentError, Option } from 'commander';
import type { AdminJobView, QueueStats } from '../queue/types.js';
import { createAdminClient, withAdminFlags, type AdminFlags } from './admin-client.js';
import { humanDuration, printJson, table } from './format.js';
import { action } from './run.js';

interface JobsFlags extends AdminFlags {
  status?: string;
  key?: string;
  limit?: number;
  json?: boolean;
  releaseHeld?: boolean;
}

function limit(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1 || number > 1000) throw new InvalidArgumentError(`expected 1-1000, got "${value}"`);
  return number;
}

/** The queue in one line; a drain time already come reads "sending now", never "drained in now". */
export function describeStats(stats: QueueStats, now: number): string {
  // drainEta arrives as null (JSON for Infinity) while no lane can send at all.
  const untilDrained = stats.drainEta - now;
  const eta = !stats.depth ? '' : !Number.isFinite(stats.drainEta) ? ', stalled (no lane can send)' : untilDrained > 500 ? `, drained in ${humanDuration(untilDrained)}` : ', sending now';
  const oldest = stats.depth ? `, oldest ${humanDuration(stats.oldestAgeMs)}` : '';
  const held = stats.held ? `, ${stats.held} held (accepted for another upstream: --release-held sends them)` : '';
  return `queue: ${stats.depth} waiting (${stats.bytes} bytes), ${stats.active} active${held}${oldest}${eta}`;
}

function printJob(job: AdminJobView): void {
  const lines: Array<[string, string | undefined]> = [
    ['id', job.id],
    ['status', job.status],
    ['key', job.keyId],
    ['lane', job.lane],
    ['attempts', String(job.attempts)],
    ['upstream', job.upstream && `${job.upstream}${job.held ? ' (held: accepted for another upstream)' : ''}`],
    ['position', job.position?.toString()],
    ['eta', job.eta],
    ['created', job.createdAt],
    ['finished', job.finishedAt],
    ['link', job.result?.link],
    ['error', job.error && `${job.error.code} (${job.error.status}) ${job.error.message}`],
  ];
  for (const [name, value] of lines) if (value !== undefined) process.stdout.write(`${name.padEnd(9)} ${value}\n`);
}

/** `upgate jobs [id]`: the queue's state and its jobs, or one job. */
export function jobsCommand(): Command {
  return withAdminFlags(
    new Command('jobs')
      .description('show the queue (depth, oldest age, ETA) and its jobs, or one job by id')
      .argument('[id]', 'a job id: show only that job')
      .addOption(new Option('--status <status>', 'only jobs in this state').choices(['queued', 'active', 'done', 'failed']))
      .option('--key <id>', 'only jobs of this key')
      .option('--limit <n>', 'at most this many jobs (1-1000)', limit)
      .option('--json', 'print JSON for scripts')
      .option('--release-held', 'send the jobs held because they were accepted for another upstream to the configured one'),
  ).action(
    action(async (id: string | undefined, flags: JobsFlags) => {
      const client = createAdminClient(flags);
      if (flags.releaseHeld) {
        const released = await client.request<{ released: number; upstream: string }>('POST', '/admin/jobs/release-held');
        if (flags.json) return printJson(released);
        process.stdout.write(`released ${released.released} held job${released.released === 1 ? '' : 's'}: they go to ${released.upstream}\n`);
        return;
      }
      if (id) {
        const job = await client.request<AdminJobView>('GET', `/admin/jobs/${encodeURIComponent(id)}`);
        return flags.json ? printJson(job) : printJob(job);
      }
      const query = new URLSearchParams();
      if (flags.status) query.set('status', flags.status);
      if (flags.key) query.set('key', flags.key);
      if (flags.limit) query.set('limit', String(flags.limit));
      const { stats, jobs } = await client.request<{ stats: QueueStats; jobs: AdminJobView[] }>('GET', `/admin/jobs?${query}`);
      if (flags.json) return printJson({ stats, jobs });
      const rows = jobs.map((job) => [job.id, job.keyId, job.status, job.createdAt, job.lane ?? '', String(job.attempts), job.error ? `${job.error.code} ${job.error.message}` : '']);
      process.stdout.write(`${describeStats(stats, Date.now())}\n\n${rows.length ? table(['JOB', 'KEY', 'STATUS', 'CREATED', 'LANE', 'ATTEMPTS', 'ERROR'], rows) : 'no jobs'}\n`);
    }),
  );
}
