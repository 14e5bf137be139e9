import type { Clock } from '../clock.js';
import { runScript, type RedisClient } from '../redis/connect.js';
import type { RedisKeys } from '../redis/keys.js';
import type { StoreBackend } from '../store/backend.js';
import { MemoryUsageHistory } from './memory-usage-history.js';
import { dayMs, minuteMs, PendingCounts, sortedBuckets, type UsageBucket, type UsageCounters, type UsageHistoryStore, type UsageSubject } from './usage-history.js';

/** How often buffered counts are written to the store. */
const flushMs = 1_000;
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
    // The fields of one day hash go together (a subject's minutes of one day share it).
    const byKey = new Map<string, { expireAt: number; fields: Array<[string, number]>; entries: typeof entries }>();
    for (const entry of entries) {
      const day = Math.floor(entry.minute / dayMs);
      const key = this.keys.usageHistory(entry.subject, day);
      const slot = (entry.minute - day * dayMs) / minuteMs;
      const hash = byKey.get(key) ?? { expireAt: (day + 1) * dayMs + this.options.retentionMs, fields: [], entries: [] };
      byKey.set(key, hash);
      hash.entries.push(entry);
      for (const [name, value] of entry.fields) hash.fields.push([`${slot}:${name}`, value]);
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
    for (const { batch } of failed) this.pending.restore(batch.flatMap(([, hash]) => hash.entries));
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
    clearInterval(this.timer);
    await this.flush();
  }
}
