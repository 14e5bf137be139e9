import { parseConfig } from '../../src/config/load.js';
import type { ConfigInput, LaneConfig } from '../../src/config/schema.js';

type LaneInput = NonNullable<NonNullable<ConfigInput['upstream']>['lanes']>[number];

/** Lanes as the config parser gives them (defaults filled in: credits 12,500/1d, cost 10, reserve 2%). */
export function laneConfigs(lanes: LaneInput[]): LaneConfig[] {
  return [...parseConfig({ upstream: { lanes } }).upstream.lanes];
}

/** An injected clock the test moves by hand. */
export function manualClock(start = 1_700_000_000_000) {
  let now = start;
  return { clock: () => now, at: (ms: number) => (now = start + ms), start };
}
