import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import type { StoreBackend } from '../store/backend.js';

/** What the dashboard and /admin/overview count: upload requests by outcome, upstream answers by HTTP status. */
export type TotalsGroup = 'uploads' | 'upstream';

/**
 * Counters shown to operators, kept in the store so every instance on one Redis shows the same
 * numbers (the Prometheus metrics stay per process, as Prometheus sums them itself). Counting never
 * delays an upload: it is sent and forgotten, a failure only counted as a store error.
 */
export interface SharedTotals {
  add(group: TotalsGroup, name: string): void;
  read(): Promise<Record<TotalsGroup, Record<string, number>>>;
}

/** A total untouched this long expires: a gateway retired for a month leaves nothing behind. */
const idleTtlMs = 30 * 24 * 3_600_000;
const groups: TotalsGroup[] = ['uploads', 'upstream'];

export function createSharedTotals(backend: StoreBackend, deps: { metrics: Metrics; logger: Logger }): SharedTotals {
  if (backend.kind === 'memory') {
    // The embedded store is one process: its totals are the gateway's.
    const totals: Record<TotalsGroup, Record<string, number>> = { uploads: {}, upstream: {} };
    return {
      add: (group, name) => void (totals[group][name] = (totals[group][name] ?? 0) + 1),
      read: async () => structuredClone(totals),
    };
  }
  const { redis, keys } = backend;
  return {
    add(group, name) {
      const key = keys.sharedTotals(group);
      redis
        .multi()
        .hincrby(key, name, 1)
        .pexpire(key, idleTtlMs)
        .exec()
        .catch((error: unknown) => {
          deps.metrics.storeErrors.inc({ operation: 'totals' });
          deps.logger.debug({ err: error }, 'could not count a shared total');
        });
    },
    async read() {
      const pipeline = redis.pipeline();
      for (const group of groups) pipeline.hgetall(keys.sharedTotals(group));
      const replies = (await pipeline.exec()) ?? [];
      const read = replies.map(([error, hash]) => {
        if (error) throw error;
        return Object.fromEntries(Object.entries(hash as Record<string, string>).map(([name, value]) => [name, Number(value)]));
      });
      return { uploads: read[0] ?? {}, upstream: read[1] ?? {} };
    },
  };
}
