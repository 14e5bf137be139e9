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
  /** Adds counts to the current minute's buckets of the subjects (buffered: written within a minute at most, and by flush()). */
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

/** One count waiting to be written: what it adds to which counter of which subject's minute. */
export interface PendingCount {
  subject: UsageSubject;
  minute: number;
  field: string;
  value: number;
}

/**
 * Sums increments until written: one store write per interval, not per upload. One flat entry per
 * minute, counter and subject, not a map per subject: with 100,000 keys nearly every upload is a
 * subject not seen since the last write, and a map apiece (made, kept a second, collected) was
 * most of what the history cost an upload.
 */
export class PendingCounts {
  private pending = new Map<string, number>();
  private lastMinute = Number.NaN;
  private lastMinuteText = '';

  constructor(private readonly clock: Clock) {}

  add(subject: UsageSubject, counters: UsageCounters): void {
    const minute = this.minuteText(minuteOf(this.clock()));
    for (const field in counters) {
      const value = counters[field]!;
      if (value) this.count(minute, field, subject, value);
    }
  }

  /** A minute's start as text, made once per minute, not on every count (several per upload). */
  private minuteText(minute: number): string {
    if (minute !== this.lastMinute) {
      this.lastMinute = minute;
      this.lastMinuteText = String(minute);
    }
    return this.lastMinuteText;
  }

  /** Everything summed since the last take. */
  take(): PendingCount[] {
    const taken = this.pending;
    this.pending = new Map();
    const counts: PendingCount[] = [];
    for (const [id, value] of taken) {
      // The subject goes last, whatever characters its id holds.
      const afterMinute = id.indexOf('\n');
      const afterField = id.indexOf('\n', afterMinute + 1);
      counts.push({ minute: Number(id.slice(0, afterMinute)), field: id.slice(afterMinute + 1, afterField), subject: id.slice(afterField + 1) as UsageSubject, value });
    }
    return counts;
  }

  /** Puts back counts whose write failed, so a store outage of a few seconds loses nothing. */
  restore(counts: readonly PendingCount[]): void {
    for (const { subject, minute, field, value } of counts) this.count(String(minute), field, subject, value);
  }

  private count(minute: string, field: string, subject: UsageSubject, value: number): void {
    const id = `${minute}\n${field}\n${subject}`;
    this.pending.set(id, (this.pending.get(id) ?? 0) + value);
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
