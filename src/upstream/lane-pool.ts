import type { Config, LaneConfig } from '../config/schema.js';
import type { Clock } from '../clock.js';
import type { LaneSnapshot } from '../queue/types.js';
import type { StoreBackend } from '../store/backend.js';
import type { OperatorHolds } from '../ops/operator-holds.js';
import { LaneBudget } from './lane-budget.js';
import type { Lane, RateLimitObservation } from './types.js';

/** A lane with one upload of budget reserved, or how long until one may have budget. */
export type LaneGrant = { lane: Lane } | { lane?: undefined; retryInMs: number };

/**
 * The configured lanes and their budgets. `acquire` starts each search at the lane after the last
 * one granted, so a backlog spreads evenly over lanes that all have budget.
 */
export class LanePool {
  readonly lanes: readonly Lane[];
  readonly budget: LaneBudget;
  /** An operator's holds on the queue or on lanes; none are consulted when unset. */
  holds: OperatorHolds | undefined;
  private next = 0;

  constructor(config: Config, backend: StoreBackend, clock: Clock) {
    const configured: readonly LaneConfig[] = config.upstream.lanes;
    this.lanes = configured.map(({ id, clientId, localAddress }) => (localAddress ? { id, clientId, localAddress } : { id, clientId }));
    this.budget = new LaneBudget(configured, backend, clock);
  }

  /** Reserves one upload on some lane; with no lanes configured, nothing is ever granted. */
  async acquire(): Promise<LaneGrant> {
    let retryInMs = Number.POSITIVE_INFINITY;
    const holds = await this.holds?.current();
    // Held: look again in a second (holds are re-read that often), or when a timed hold ends.
    if (holds?.queue) return { retryInMs: 1_000 };
    for (let i = 0; i < this.lanes.length; i++) {
      const lane = this.lanes[(this.next + i) % this.lanes.length]!;
      if (holds?.lanes.has(lane.id)) {
        retryInMs = Math.min(retryInMs, 1_000);
        continue;
      }
      const reservation = await this.budget.reserve(lane.id);
      if (reservation.ok) {
        this.next = (this.next + i + 1) % this.lanes.length;
        return { lane };
      }
      retryInMs = Math.min(retryInMs, reservation.retryInMs);
    }
    return { retryInMs };
  }

  refund(lane: Lane): Promise<void> {
    return this.budget.refund(lane.id);
  }

  reconcile(lane: Lane, observed: RateLimitObservation): Promise<void> {
    return this.budget.reconcile(lane.id, observed);
  }

  pause(lane: Lane, untilMs?: number): Promise<number> {
    return this.budget.pause(lane.id, untilMs);
  }

  snapshots(): Promise<LaneSnapshot[]> {
    return Promise.all(this.lanes.map((lane) => this.budget.snapshot(lane)));
  }
}
