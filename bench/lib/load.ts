import autocannon, { type Request } from 'autocannon';
import { median, summarise, type LatencySummary } from './stats.js';

export interface LoadOptions {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: Buffer;
  connections?: number;
  /** Stop after this long. */
  durationSeconds?: number;
  /** Stop after this many requests (wins over the duration when both are set). */
  amount?: number;
  /** Fixed offered rate (requests/second over all connections); unset = as fast as answers come. */
  overallRate?: number;
  /** A discarded run of this length first, so JIT, connection pools and caches are warm. Default 0. */
  warmupSeconds?: number;
  /** Changes each request before it is sent (e.g. a different key per request). */
  vary?: (request: Request) => Request;
}

export interface LoadResult {
  requests: number;
  /** Answered requests per second over the run. */
  rps: number;
  /** Answers by HTTP status. */
  statuses: Record<number, number>;
  /** Connection errors and timeouts (no answer). */
  errors: number;
  latency: LatencySummary;
}

/**
 * One autocannon run in this process. Latencies are taken from every response event rather than
 * autocannon's histogram, which rounds to whole milliseconds (too coarse for a 5 ms target).
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  return runLoadTogether([options]);
}

/** Several runs at once (e.g. one per gateway process), summed. */
export async function runLoadTogether(runs: LoadOptions[]): Promise<LoadResult> {
  const warmups = runs.filter((run) => run.warmupSeconds);
  if (warmups.length > 0) await Promise.all(warmups.map((run) => measure({ ...run, amount: 0, durationSeconds: run.warmupSeconds! })));
  return toResult(await Promise.all(runs.map(measure)));
}

/** Share of answers with this status (0..1). */
export function shareOf(result: LoadResult, status: number): number {
  return result.requests === 0 ? 0 : (result.statuses[status] ?? 0) / result.requests;
}

interface RawRun {
  latencies: number[];
  statuses: Record<number, number>;
  errors: number;
  durationSeconds: number;
}

function measure(options: LoadOptions): Promise<RawRun> {
  const latencies: number[] = [];
  const statuses: Record<number, number> = {};
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        method: options.method ?? 'POST',
        headers: options.headers ?? {},
        ...(options.body ? { body: options.body } : {}),
        connections: options.connections ?? 10,
        ...(options.amount ? { amount: options.amount } : { duration: options.durationSeconds ?? 5 }),
        ...(options.overallRate ? { overallRate: options.overallRate } : {}),
        ...(options.vary ? { requests: [{ setupRequest: options.vary }] } : {}),
        timeout: 60,
      },
      (error, result) => (error ? reject(error as Error) : resolve({ latencies, statuses, errors: result.errors, durationSeconds: result.duration })),
    );
    instance.on('response', (_client, status, _bytes, responseTime) => {
      latencies.push(responseTime);
      statuses[status] = (statuses[status] ?? 0) + 1;
    });
  });
}

function toResult(runs: RawRun[]): LoadResult {
  const latencies = runs.flatMap((run) => run.latencies);
  const statuses: Record<number, number> = {};
  for (const run of runs) for (const [status, count] of Object.entries(run.statuses)) statuses[Number(status)] = (statuses[Number(status)] ?? 0) + count;
  return {
    requests: latencies.length,
    rps: runs.reduce((sum, run) => sum + run.latencies.length / run.durationSeconds, 0),
    statuses,
    errors: runs.reduce((sum, run) => sum + run.errors, 0),
    latency: summarise(latencies),
  };
}

/** How every throughput figure is measured: 10 connections, as fast as answers come, 5 s after a 1.5 s warm-up. */
export const throughputRun = { connections: 10, durationSeconds: 5, warmupSeconds: 1.5 } as const;

/**
 * How a throughput target against a baseline is measured: each server warmed up at full load for
 * long enough that V8's optimising compiler, which shares the 2 busy cores, has finished with the
 * hot path (measured: in its first 5 s after a 2 s warm-up the gateway served 0.5–0.75× of its rate
 * 10 s later, the bare baseline 0.7–1.0×), then short runs of each in turn. This machine's speed drifts by up to 2× over
 * tens of seconds; alternating keeps a server and its baseline in the same stretch, and each
 * figure is the median of its runs.
 */
export const alternatingRun = { connections: 10, warmupSeconds: 6, durationSeconds: 2, rounds: 5 } as const;

/** Several loads measured in turn (see alternatingRun): each warmed up once, then `rounds` short runs of each, alternating. */
export async function runAlternating<Runs extends LoadOptions[]>(runs: [...Runs], plan: typeof alternatingRun = alternatingRun): Promise<{ [I in keyof Runs]: LoadResult }> {
  const { rounds, warmupSeconds, durationSeconds, connections } = plan;
  for (const run of runs) await measure({ connections, ...run, amount: 0, durationSeconds: warmupSeconds });
  const measured: RawRun[][] = runs.map(() => []);
  for (let round = 0; round < rounds; round++) {
    for (const [i, run] of runs.entries()) measured[i]!.push(await measure({ connections, ...run, durationSeconds }));
  }
  return measured.map((series) => ({ ...toResult(series), rps: median(series.map((run) => run.latencies.length / run.durationSeconds)) })) as { [I in keyof Runs]: LoadResult };
}
