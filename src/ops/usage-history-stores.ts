import type { Clock } from '../clock.js';
import type { RedisClient } from '../redis/connect.js';
import type { RedisKeys } from '../redis/keys.js';
import type { StoreBackend } from '../store/backend.js';
import { MemoryUsageHistory } from './memory-usage-history.js';
import { dayMs, minuteMs, PendingCounts, sortedBuckets, type UsageBucket, type UsageCounters, type UsageHistoryStore, type UsageSubject } from './usage-history.js';

/** How often buffered counts are written to the store. */
const flushMs = 1_000;

/** Where the history lives: Redis when the gateway has it (shared by every instance), else this process and its spool. */
export async function openUsageHistory(backend: StoreBackend, options: { retentionMs: number; clock: Clock; onError: (error: unknown) => void }): Promise<UsageHistoryStore> {
  return backend.kind === 'redis' ? new RedisUsageHistory(backend.redis, backend.keys, options) : MemoryUsageHistory.open(backend.spoolDir, options);
}

/**
 * One hash per subject and UTC day, `<prefix>{usage}:<subject>:<day>`, fields `<minute of day>:<counter>`:
 * the last hour is one or two HGETALLs, a week eight. Each hash expires `retention` after its day
 * ends. The `{usage}` tag keeps every history key in one Cluster slot, so a flush is one pipeline.
 */
class RedisUsageHistory implements UsageHistoryStore {
  private readonly pending: PendingCounts;
  private readonly timer: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();
  readonly retentionMs: number;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly options: { retentionMs: number; clock: Clock; onError: (error: unknown) => void },
  ) {
    this.retentionMs = options.retentionMs;
    this.pending = new PendingCounts(options.clock);
    this.timer = setInterval(() => void this.flush(), flushMs).unref();
  }

  add(subjects: readonly UsageSubject[], counters: UsageCounters): void {
    this.pending.add(subjects, counters);
  }

  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.write());
    return this.flushing;
  }

  private async write(): Promise<void> {
    const entries = this.pending.take();
    if (entries.length === 0) return;
    const pipeline = this.redis.pipeline();
    const expiries = new Map<string, number>();
    for (const { subject, minute, fields } of entries) {
      const day = Math.floor(minute / dayMs);
      const key = this.keys.usageHistory(subject, day);
      const slot = (minute - day * dayMs) / minuteMs;
      for (const [name, value] of fields) pipeline.hincrby(key, `${slot}:${name}`, value);
      expiries.set(key, (day + 1) * dayMs + this.options.retentionMs);
    }
    for (const [key, at] of expiries) pipeline.pexpireat(key, at);
    try {
      const replies = (await pipeline.exec()) ?? [];
      const failed = replies.find(([error]) => error);
      if (failed) throw failed[0];
    } catch (error) {
      this.pending.restore(entries);
      this.options.onError(error);
    }
  }

  async read(subject: UsageSubject, since: number, until: number): Promise<UsageBucket[]> {
    const days: number[] = [];
    for (let day = Math.floor(since / dayMs); day * dayMs < until; day++) days.push(day);
    const pipeline = this.redis.pipeline();
    for (const day of days) pipeline.hgetall(this.keys.usageHistory(subject, day));
    const replies = (await pipeline.exec()) ?? [];
    const buckets = new Map<number, UsageCounters>();
    replies.forEach(([error, hash], index) => {
      if (error) throw error;
      for (const [field, value] of Object.entries(hash as Record<string, string>)) {
        const colon = field.indexOf(':');
        const t = days[index]! * dayMs + Number(field.slice(0, colon)) * minuteMs;
        if (t < since || t >= until) continue;
        const counters = buckets.get(t) ?? {};
        buckets.set(t, counters);
        counters[field.slice(colon + 1)] = Number(value);
      }
    });
    return sortedBuckets(buckets);
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
