import type { Metrics } from '../ops/metrics.js';
import type { LaneSnapshot } from '../queue/types.js';

/** The lane gauges of /metrics, from one read of every lane. */
export function setLaneGauges(metrics: Metrics, lanes: readonly LaneSnapshot[]): void {
  for (const lane of lanes) {
    const labels = { lane: lane.id };
    metrics.laneBudgetRemaining.set(labels, lane.remaining);
    metrics.lanePaused.set(labels, lane.pausedUntil ? 1 : 0);
    if (!lane.credits) continue;
    metrics.laneCreditsRemaining.set(labels, lane.credits.remaining);
    metrics.laneCreditsReserve.set(labels, lane.credits.reserve);
    if (lane.credits.upstream) metrics.laneUpstreamCreditsRemaining.set(labels, lane.credits.upstream.remaining);
  }
}
