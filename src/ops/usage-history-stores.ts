import type { Clock } from '../clock.js';
import { runScript, type RedisClient } from '../redis/connect.js';
import type { RedisKeys } from '../redis/keys.js';
import type { StoreBackend } from '../store/backend.js';
import { MemoryUsageHistory } from './memory-usage-history.js';
import { dayMs, minuteMs, PendingCounts, sortedBuckets, type PendingCount, type UsageBucket, type UsageCounters, type UsageHistoryStore, type UsageSubject } from './usage-history.js';

/** How often buffered counts of the gateway (`all`) and its lanes are written to the store. */
const flushMs = 1_000;
/**
 * How often keys' counts are written. Each write costs per key counted since the last, and with
 * many keys nearly every upload is a key of its own: written every second, 100,000 keys spread
 * evenly cost a refusal ~25% of its throughput (one day hash per key per second); once a minute, a
 * few %. A history read through this instance writes first, so it is never behind its own counts.
 */
const keyFlushMs = 60_000;
/** Day hashes one addUsage call writes (a flush of 100,000 keys is 100 calls in one pipeline). */
const keysPerScript = 1_000;

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
  /** Counts of `all` and the lanes, then the keys'. */
  private readonly pending: PendingCounts;
  private readonly pendingKeys: PendingCounts;
  private readonly timers: NodeJS.Timeout[];
  private flushing: Promise<void> = Promise.resolve();
  readonly retentionMs: number;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly options: { retentionMs: number; clock: Clock; onError: (error: unknown) => void },
  ) {
    this.retentionMs = options.retentionMs;
    this.pending = new PendingCounts(options.clock);
    this.pendingKeys = new PendingCounts(options.clock);
    this.timers = [setInterval(() => void this.write(this.pending), flushMs).unref(), setInterval(() => void this.write(this.pendingKeys), keyFlushMs).unref()];
  }

  add(subjects: readonly UsageSubject[], counters: UsageCounters): void {
    for (const subject of subjects) (subject.startsWith('key:') ? this.pendingKeys : this.pending).add(subject, counters);
  }

  async flush(): Promise<void> {
    await Promise.all([this.write(this.pending), this.write(this.pendingKeys)]);
  }

  /** Writes one buffer's counts, after any write still under way (so a failed one restored is written in order). */
  private write(pending: PendingCounts): Promise<void> {
    this.flushing = this.flushing.then(() => this.writeNow(pending));
    return this.flushing;
  }

  private async writeNow(pending: PendingCounts): Promise<void> {
    const counts = pending.take();
    if (counts.length === 0) return;
    // The fields of one day hash go together (a subject's minutes of one day share it).
    const byKey = new Map<string, { expireAt: number; fields: Array<[string, number]>; counts: PendingCount[] }>();
    for (const count of counts) {
      const day = Math.floor(count.minute / dayMs);
      const key = this.keys.usageHistory(count.subject, day);
      const slot = (count.minute - day * dayMs) / minuteMs;
      const hash = byKey.get(key) ?? { expireAt: (day + 1) * dayMs + this.options.retentionMs, fields: [], counts: [] };
      byKey.set(key, hash);
      hash.counts.push(count);
      hash.fields.push([`${slot}:${count.field}`, count.value]);
    }
    // One script per batch of hashes, sent together: each holds Redis a few ms at most.
    const hashes = [...byKey];
    const batches: Array<typeof hashes> = [];
    for (let start = 0; start < hashes.length; start += keysPerScript) batches.push(hashes.slice(start, start + keysPerScript));

    const written = await Promise.allSettled(
      batches.map((batch) =>
        runScript(
          this.redis,
          'addUsage',
          batch.map(([key]) => key),
          batch.flatMap(([, { expireAt, fields }]) => [expireAt, fields.length, ...fields.flat()]),
        ),
      ),
    );
    // A batch that failed is counted again at the next flush, so a store outage of a few seconds loses nothing.
    const failed = written.flatMap((result, index) => (result.status === 'rejected' ? [{ reason: result.reason as unknown, batch: batches[index]! }] : []));
    for (const { batch } of failed) pending.restore(batch.flatMap(([, hash]) => hash.counts));
    if (failed.length > 0) this.options.onError(failed[0]!.reason);
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
    this.timers.forEach(clearInterval);
    await this.flush();
  }
}
