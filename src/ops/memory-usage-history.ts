import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '../clock.js';
import { SnapshotFile } from '../store/snapshot-file.js';
import { parseUsageDay, serializeUsageDay, usageDayFileName, usageDayOfFileName, type UsageDay } from './usage-day-file.js';
import { dayMs, minuteMs, minuteOf, sortedBuckets, type UsageBucket, type UsageCounters, type UsageHistoryStore, type UsageSubject } from './usage-history.js';

export interface MemoryUsageHistoryOptions {
  retentionMs: number;
  clock: Clock;
  /** Told of a day file that could not be written (its counts stay in memory; the next change writes them again). */
  onError: (error: unknown) => void;
}

/** Counts within a second of each other go to disk in one write, as the Redis history flushes. */
const coalesceMs = 1_000;

/**
 * The embedded store's history: the same per-minute buckets in this process, and one file per UTC
 * day in `<spoolDir>/usage/` (see usage-day-file.ts), so a restart finds them again as it finds the
 * keys, jobs and quota counts. Only a day being counted is rewritten, at most once a second; a day
 * is forgotten, in memory and on disk, once `retention` has passed since it ended — when the Redis
 * layout's hash of that day expires — so the spool holds at most retention + 1 day files.
 */
export class MemoryUsageHistory implements UsageHistoryStore {
  private readonly days = new Map<number, { buckets: UsageDay; file: SnapshotFile }>();
  private readonly removals = new Set<Promise<void>>();
  private lastPrune = Number.NEGATIVE_INFINITY;
  readonly retentionMs: number;

  private constructor(
    private readonly dir: string,
    private readonly options: MemoryUsageHistoryOptions,
  ) {
    this.retentionMs = options.retentionMs;
  }

  /** Reads the saved days back; files left by a write a crash interrupted, and days past the retention, are deleted. */
  static async open(spoolDir: string, options: MemoryUsageHistoryOptions): Promise<MemoryUsageHistory> {
    const history = new MemoryUsageHistory(join(spoolDir, 'usage'), options);
    await mkdir(history.dir, { recursive: true });
    for (const name of await readdir(history.dir)) {
      const day = usageDayOfFileName(name);
      if (day !== undefined) {
        const stored = history.day(day);
        for (const [subject, minutes] of parseUsageDay(day, stored.file.read())) stored.buckets.set(subject, minutes);
      } else if (name.endsWith('.tmp')) await rm(join(history.dir, name), { force: true });
    }
    history.prune();
    await Promise.all(history.removals);
    return history;
  }

  add(subjects: readonly UsageSubject[], counters: UsageCounters): void {
    const minute = minuteOf(this.options.clock());
    const stored = this.day(Math.floor(minute / dayMs));
    for (const subject of subjects) {
      const minutes = stored.buckets.get(subject) ?? new Map<number, UsageCounters>();
      stored.buckets.set(subject, minutes);
      const bucket = minutes.get(minute) ?? {};
      minutes.set(minute, bucket);
      for (const [name, value] of Object.entries(counters)) bucket[name] = (bucket[name] ?? 0) + value;
    }
    stored.file.changed();
    this.prune();
  }

  /** Counts are in memory as soon as they are added: nothing waits to be readable. */
  async flush(): Promise<void> {}

  async read(subject: UsageSubject, since: number, until: number): Promise<UsageBucket[]> {
    const found = new Map<number, UsageCounters>();
    for (const [day, { buckets }] of this.days) {
      if ((day + 1) * dayMs <= since || day * dayMs >= until) continue;
      for (const [t, counters] of buckets.get(subject) ?? []) if (t >= since && t < until) found.set(t, { ...counters });
    }
    return sortedBuckets(found);
  }

  /** Writes the days counted since their last write. */
  async close(): Promise<void> {
    await Promise.all([...[...this.days.values()].map(({ file }) => file.close()), ...this.removals]);
  }

  /** The day's buckets and file, made on first use. */
  private day(day: number) {
    let stored = this.days.get(day);
    if (!stored) {
      const buckets: UsageDay = new Map();
      const file = new SnapshotFile(join(this.dir, usageDayFileName(day)), () => serializeUsageDay(day, buckets), { coalesceMs, onError: this.options.onError });
      stored = { buckets, file };
      this.days.set(day, stored);
    }
    return stored;
  }

  /** Forgets the days whose retention has passed, at most once a minute. */
  private prune(): void {
    const now = this.options.clock();
    if (now - this.lastPrune < minuteMs) return;
    this.lastPrune = now;
    for (const [day, { file }] of this.days) {
      if ((day + 1) * dayMs + this.retentionMs > now) continue;
      this.days.delete(day);
      const removal = file.remove().catch(this.options.onError).finally(() => this.removals.delete(removal));
      this.removals.add(removal);
    }
  }
}
