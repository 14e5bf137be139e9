import { createHash } from 'node:crypto';
import type { LaneConfig, LaneCredits, WindowLimit } from '../config/schema.js';

/** Which of a lane's two subjects a window belongs to: its egress address (0) or its credential (1). */
export type SubjectIndex = 0 | 1;

/** A window we count from config: uploads per window, or the credential's credits. */
export interface ConfiguredWindow {
  subject: SubjectIndex;
  /** Field-name stem in the subject's record: `<limit>/<ms>`, or `credits`. */
  name: string;
  limit: number;
  windowMs: number;
  /** What one upload spends (1, or the upload cost in credits). */
  cost: number;
  /** Never spent: the credit reserve (0 for upload windows), a count or a share of the limit in force (`2%`). */
  keep: LaneCredits['reserve'];
}

/** Everything the budget scripts need about one lane, resolved once from config. */
export interface LaneSpec {
  laneId: string;
  /** `address:<ip|default>` and `client:<sha256 prefix>`: lanes sharing one share its budget. */
  subjects: readonly [string, string];
  windows: readonly ConfiguredWindow[];
  uploadCost: number;
  /** Lifetime of a subject's record after its last write: expiry only cleans up, it never decides. */
  ttlMs: number;
}

const dayMs = 86_400_000;

/**
 * One spec per lane. Lanes sharing a subject share its budget; the first lane naming a subject
 * sets its limits (an address's windows, a credential's windows and credits).
 */
export function laneSpecs(lanes: readonly LaneConfig[]): Map<string, LaneSpec> {
  const addressLimits = new Map<string, readonly WindowLimit[]>();
  const clientBudget = new Map<string, { limits: readonly WindowLimit[]; credits: LaneCredits }>();
  const specs = new Map<string, LaneSpec>();
  for (const lane of lanes) {
    const address = `address:${lane.localAddress ?? 'default'}`;
    const client = `client:${createHash('sha256').update(lane.clientId).digest('hex').slice(0, 16)}`;
    if (!addressLimits.has(address)) addressLimits.set(address, lane.limits);
    if (!clientBudget.has(client)) clientBudget.set(client, { limits: lane.clientLimits, credits: lane.credits });
    const { limits, credits } = clientBudget.get(client)!;
    const windows: ConfiguredWindow[] = [
      ...uploadWindows(0, addressLimits.get(address)!),
      ...uploadWindows(1, limits),
      { subject: 1, name: 'credits', limit: credits.limit, windowMs: credits.window, cost: credits.uploadCost, keep: credits.reserve },
    ];
    const longest = Math.max(...windows.map((w) => w.windowMs));
    specs.set(lane.id, { laneId: lane.id, subjects: [address, client], windows, uploadCost: credits.uploadCost, ttlMs: 2 * longest + dayMs });
  }
  return specs;
}

/**
 * The credits never spent out of `limit`, the limit in force: a count, or a percentage of it (rounded
 * up: the safe side). A share follows a reported limit lower than the configured one, so the reserve
 * never outgrows the budget and blocks the lane for good; reserveLane-n.lua reads it the same way.
 */
export function keepOf(keep: LaneCredits['reserve'], limit: number): number {
  return typeof keep === 'number' ? keep : Math.ceil((limit * Number(keep.slice(0, -1))) / 100);
}

function uploadWindows(subject: SubjectIndex, limits: readonly WindowLimit[]): ConfiguredWindow[] {
  return limits.map((l) => ({ subject, name: `${l.limit}/${l.window}`, limit: l.limit, windowMs: l.window, cost: 1, keep: 0 }));
}
