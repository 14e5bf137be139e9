import type { Clock } from '../clock.js';
import type { Metrics } from './metrics.js';

/**
 * Per-minute usage kept in the store, so an operator (and the dashboard after a reload, or in a new
 * tab) sees the last hours and days: per key, per lane and for the whole gateway (`all`).
 *
 * Counter names in a bucket:
 * - `accepted`: uploads taken (answered done or queued); `refused:<code>`: refused before being
 *   taken (quota 1008, bad key 1004, no key 1015 …); `failed:<code>`: the gateway's own failures;
 * - `delivered`, `jobFailed:<code>`: jobs that ended upstream;
 * - lanes: `responses:<status>` (0 = no answer), `latencyMs` and `latencyCount` of upstream requests.
 */
export type UsageCounters = Record<string, number>;

export interface UsageBucket {
  /** Start of the minute, epoch ms. */
  t: number;
  counters: UsageCounters;
}

/** `key:<id>`, `lane:<id>` or `all`. */
export type UsageSubject = `key:${string}` | `lane:${string}` | 'all';

export interface UsageHistoryStore {
  /** How long buckets are kept (history.retention). */
  readonly retentionMs: number;
  /** Adds counts to the current minute's buckets of the subjects (buffered: written within about a second). */
  add(subjects: readonly UsageSubject[], counters: UsageCounters): void;
  /** Buckets with any count in [since, until), oldest first (minutes without counts are left out). */
  read(subject: UsageSubject, since: number, until: number): Promise<UsageBucket[]>;
  /** Writes what is buffered. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export const minuteMs = 60_000;
export const dayMs = 86_400_000;

export const minuteOf = (at: number) => Math.floor(at / minuteMs) * minuteMs;

/** Buckets by minute start, as a read answers them: oldest first. */
export function sortedBuckets(buckets: Map<number, UsageCounters>): UsageBucket[] {
  return [...buckets].sort(([a], [b]) => a - b).map(([t, counters]) => ({ t, counters }));
}

/** Sums increments per subject and field until written: one store write per second, not per upload. */
export class PendingCounts {
  private pending = new Map<string, Map<string, number>>();

  constructor(private readonly clock: Clock) {}

  add(subjects: readonly UsageSubject[], counters: UsageCounters): void {
    const minute = minuteOf(this.clock());
    for (const subject of subjects) {
      const id = `${subject}\n${minute}`;
      const fields = this.pending.get(id) ?? new Map<string, number>();
      this.pending.set(id, fields);
      for (const [name, value] of Object.entries(counters)) if (value) fields.set(name, (fields.get(name) ?? 0) + value);
    }
  }

  /** Everything summed since the last take, as (subject, minute, fields). */
  take(): Array<{ subject: UsageSubject; minute: number; fields: Map<string, number> }> {
    const taken = this.pending;
    this.pending = new Map();
    return [...taken].map(([id, fields]) => {
      const [subject, minute] = id.split('\n') as [UsageSubject, string];
      return { subject, minute: Number(minute), fields };
    });
  }

  /** Puts back counts whose write failed, so a store outage of a few seconds loses nothing. */
  restore(entries: ReturnType<PendingCounts['take']>): void {
    for (const { subject, minute, fields } of entries) {
      const id = `${subject}\n${minute}`;
      const current = this.pending.get(id) ?? new Map<string, number>();
      this.pending.set(id, current);
      for (const [name, value] of fields) current.set(name, (current.get(name) ?? 0) + value);
    }
  }
}

type Labels = Record<string, string | number>;
interface CountingMetric {
  inc(labels: Labels, value?: number): void;
}

/**
 * Feeds the history from the same counters Prometheus reads, so the dashboard's history and the
 * metrics can never disagree, and no counting site needs a second call. prom-client offers no
 * listener, so `inc` of each counter is wrapped once here (the gateway's code calls it with labels).
 */
export function recordHistoryFromMetrics(metrics: Metrics, history: UsageHistoryStore): void {
  tap(metrics.uploads as unknown as CountingMetric, (labels, value) => {
    const key = String(labels.key ?? '-');
    const outcome = String(labels.outcome);
    const name = outcome === 'done' || outcome === 'queued' ? 'accepted' : outcome === 'rejected' ? `refused:${labels.code}` : `failed:${labels.code}`;
    history.add(key === '-' ? ['all'] : [`key:${key}`, 'all'], { [name]: value });
  });
  tap(metrics.jobsFinished as unknown as CountingMetric, (labels, value) => {
    const name = labels.outcome === 'done' ? 'delivered' : `jobFailed:${labels.code}`;
    history.add([`key:${String(labels.key)}`, 'all'], { [name]: value });
  });
  tap(metrics.upstreamResponses as unknown as CountingMetric, (labels, value) => {
    history.add([`lane:${String(labels.lane)}`, 'all'], { [`responses:${labels.status}`]: value });
  });
  const latency = metrics.upstreamLatency;
  const observe = latency.observe.bind(latency) as (labels: Labels, seconds: number) => void;
  (latency as unknown as { observe: typeof observe }).observe = (labels, seconds) => {
    observe(labels, seconds);
    history.add([`lane:${String(labels.lane)}`, 'all'], { latencyMs: Math.round(seconds * 1000), latencyCount: 1 });
  };
}

function tap(metric: CountingMetric, record: (labels: Labels, value: number) => void): void {
  const inc = metric.inc.bind(metric);
  metric.inc = (labels, value = 1) => {
    inc(labels, value);
    record(labels, value);
  };
}
