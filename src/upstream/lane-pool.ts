import type { Config, LaneConfig } from '../config/schema.js';
import type { Clock } from '../clock.js';
import type { Metrics } from '../ops/metrics.js';
import type { LaneSnapshot } from '../queue/types.js';
import type { StoreBackend } from '../store/backend.js';
import type { OperatorHolds } from '../ops/operator-holds.js';
import { LaneBudget } from './lane-budget.js';
import type { Lane, UpstreamAnswer } from './types.js';

/** A lane with one upload of budget reserved (and the windows that reservation opened), or how long until one may have budget. */
export type LaneGrant = { lane: Lane; opened: readonly string[] } | { lane?: undefined; retryInMs: number };
export type LaneReservation = Extract<LaneGrant, { lane: Lane }>;

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

  constructor(config: Config, backend: StoreBackend, clock: Clock, metrics?: Metrics) {
    const configured: readonly LaneConfig[] = config.upstream.lanes;
    this.lanes = configured.map(({ id, clientId, localAddress }) => (localAddress ? { id, clientId, localAddress } : { id, clientId }));
    this.budget = new LaneBudget(configured, backend, clock, metrics);
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
        return { lane, opened: reservation.opened };
      }
      retryInMs = Math.min(retryInMs, reservation.retryInMs);
    }
    return { retryInMs };
  }

  /** Gives back a reservation nothing was sent with. */
  refund(grant: LaneReservation): Promise<void> {
    return this.budget.refund(grant.lane.id);
  }

  /** Learns from the upstream's answer to a reservation; after a 429, when the lane may send again. */
  reconcile(grant: LaneReservation, answer: UpstreamAnswer): Promise<{ pausedUntil?: number }> {
    return this.budget.reconcile(grant.lane.id, grant.opened, answer);
  }

  snapshots(): Promise<LaneSnapshot[]> {
    return this.budget.snapshots(this.lanes);
  }
}
