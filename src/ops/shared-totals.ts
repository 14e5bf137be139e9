import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import type { RedisClient } from '../redis/connect.js';
import type { RedisKeys } from '../redis/keys.js';
import type { StoreBackend } from '../store/backend.js';

/** What the dashboard and /admin/overview count: upload requests by outcome, upstream answers by HTTP status. */
export type TotalsGroup = 'uploads' | 'upstream';
type Totals = Record<TotalsGroup, Record<string, number>>;

/**
 * Counters shown to operators, kept in the store so every instance on one Redis shows the same
 * numbers (the Prometheus metrics stay per process, as Prometheus sums them itself). Counting never
 * delays an upload: counts are summed in the process and written about once a second.
 */
export interface SharedTotals {
  add(group: TotalsGroup, name: string): void;
  /** Every instance's totals; this process's own counts are written first, so they are included. */
  read(): Promise<Totals>;
  /** Writes what is still buffered. */
  close(): Promise<void>;
}

/** A total untouched this long expires: a gateway retired for a month leaves nothing behind. */
const idleTtlMs = 30 * 24 * 3_600_000;
/** How often buffered counts are written: one pipeline a second instead of one round trip per upload. */
const flushMs = 1_000;
const groups: TotalsGroup[] = ['uploads', 'upstream'];

export function createSharedTotals(backend: StoreBackend, deps: { metrics: Metrics; logger: Logger }): SharedTotals {
  if (backend.kind === 'redis') return new RedisTotals(backend.redis, backend.keys, deps);
  // The embedded store is one process: its totals are the gateway's.
  const totals = emptyTotals();
  return {
    add: (group, name) => void (totals[group][name] = (totals[group][name] ?? 0) + 1),
    read: async () => structuredClone(totals),
    close: async () => {},
  };
}

class RedisTotals implements SharedTotals {
  private pending = emptyTotals();
  private flushing: Promise<void> = Promise.resolve();
  private readonly timer = setInterval(() => void this.flush(), flushMs).unref();

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly deps: { metrics: Metrics; logger: Logger },
  ) {}

  add(group: TotalsGroup, name: string): void {
    this.pending[group][name] = (this.pending[group][name] ?? 0) + 1;
  }

  async read(): Promise<Totals> {
    await this.flush();
    const pipeline = this.redis.pipeline();
    for (const group of groups) pipeline.hgetall(this.keys.sharedTotals(group));
    const replies = (await pipeline.exec()) ?? [];
    const [uploads, upstream] = replies.map(([error, hash]) => {
      if (error) throw error;
      return Object.fromEntries(Object.entries(hash as Record<string, string>).map(([name, value]) => [name, Number(value)]));
    });
    return { uploads: uploads ?? {}, upstream: upstream ?? {} };
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  /** Writes are chained, so two flushes never count the same increments twice. */
  private flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.write());
    return this.flushing;
  }

  private async write(): Promise<void> {
    const taken = this.pending;
    const touched = groups.filter((group) => Object.keys(taken[group]).length > 0);
    if (touched.length === 0) return;
    this.pending = emptyTotals();
    // One transaction (both hashes share the `{stats}` slot): it lands whole or not at all, so a retry never counts twice.
    const transaction = this.redis.multi();
    for (const group of touched) {
      const key = this.keys.sharedTotals(group);
      for (const [name, count] of Object.entries(taken[group])) transaction.hincrby(key, name, count);
      transaction.pexpire(key, idleTtlMs);
    }
    try {
      const failed = ((await transaction.exec()) ?? []).find(([error]) => error);
      if (failed) throw failed[0];
    } catch (error) {
      // Kept to be written with the next flush: an outage delays the totals, it does not lose them.
      for (const group of touched) for (const [name, count] of Object.entries(taken[group])) this.pending[group][name] = (this.pending[group][name] ?? 0) + count;
      this.deps.metrics.storeErrors.inc({ operation: 'totals' });
      this.deps.logger.debug({ err: error }, 'could not write shared totals; kept to retry');
    }
  }
}

function emptyTotals(): Totals {
  return { uploads: {}, upstream: {} };
}
