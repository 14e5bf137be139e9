import type { Clock } from '../clock.js';
import type { StoreBackend } from '../store/backend.js';
import type { SubjectRecord } from './lane-record.js';
import type { WindowReport } from './lane-reports.js';
import type { LaneSpec, SubjectIndex } from './lane-spec.js';
import { MemoryLaneStore } from './memory-lane-store.js';
import { RedisLaneStore } from './redis-lane-store.js';

/** What one upstream answer (or a reservation left unused) changes in a lane's budget: applied as one step. */
export interface LaneChange {
  /** Nothing reached (or was counted by) the upstream: every running window gives the upload back. */
  refund: boolean;
  /** `<subject>:<name>` of the windows the reservation opened: their next fresh window waits one length from now. */
  opened: readonly string[];
  /**
   * The upstream accepted the upload. The first accepted upload of a window of ours is the earliest
   * the upstream's window can have opened (a 403 or 5xx before it may not have counted), so its
   * answer holds the next window too.
   */
  accepted: boolean;
  /**
   * Per subject, the forwards this instance still has in flight besides this one. A window the
   * answer starts in our books counts them: they were sent before it existed here.
   */
  othersInFlight: readonly [number, number];
  reports: readonly WindowReport[];
  /** Pause per subject after a 429, ms from now (0: none). */
  pauseMs: readonly [number, number];
  /** Admin-view notes: [subject, field, JSON]. */
  notes: ReadonlyArray<readonly [SubjectIndex, string, string]>;
}

export type ReserveOutcome = { ok: true; opened: string[] } | { ok: false; retryInMs: number };

/** The lane budgets' state: every operation on one lane is one atomic step (one Lua script in Redis). */
export interface LaneStore {
  reserve(spec: LaneSpec): Promise<ReserveOutcome>;
  reconcile(spec: LaneSpec, change: LaneChange): Promise<{ pausedUntil: [number, number] }>;
  /** Operator: drops the pauses of a lane's subjects, or their whole records. */
  forget(spec: LaneSpec, what: 'pauses' | 'all'): Promise<void>;
  /** Every subject's record and the time they were read at (Redis TIME, or the clock), in one round trip. */
  read(subjects: readonly string[]): Promise<{ now: number; records: Map<string, SubjectRecord> }>;
}

export function createLaneStore(backend: StoreBackend, clock: Clock): LaneStore {
  return backend.kind === 'redis' ? new RedisLaneStore(backend.redis, backend.keys) : new MemoryLaneStore(clock);
}
