import type { Clock } from '../clock.js';
import type { LaneConfig } from '../config/schema.js';
import type { Metrics } from '../ops/metrics.js';
import type { LaneSnapshot, LaneWindowSnapshot } from '../queue/types.js';
import type { StoreBackend } from '../store/backend.js';
import { liveWindows, num, type SubjectRecord } from './lane-record.js';
import { pausePlan, windowReports } from './lane-reports.js';
import { laneSpecs, type LaneSpec, type SubjectIndex } from './lane-spec.js';
import { createLaneStore, type LaneStore, type ReserveOutcome } from './lane-store.js';
import type { RateLimitObservation, UpstreamAnswer } from './types.js';

export type Reservation = ReserveOutcome;

const subjectNames = ['address', 'client'] as const;

/**
 * Upstream budgets per SUBJECT — an egress address (`address:<ip|default>`) or a credential
 * (`client:<sha256 prefix>`) — so lanes sharing an address or credential share its budget, across
 * every instance on one Redis. Reserve, refund and reconcile are one atomic step each (see
 * LaneStore); what an answer's headers and body mean is decided here (lane-reports).
 *
 * Window edges: ours starts when we reserve, the upstream's when the upload reaches it, so ours
 * reopens a few ms first. So the answer to the upload that opened a window of ours — or one whose
 * counters show it opened the upstream's — holds our next fresh window of that length until one
 * window after the answer arrived, the latest the upstream's can end.
 */
export class LaneBudget {
  private readonly specs: Map<string, LaneSpec>;
  private readonly store: LaneStore;
  /** Reservations of this instance not yet reconciled or refunded, per subject. */
  private readonly inFlight = new Map<string, number>();

  constructor(
    lanes: readonly LaneConfig[],
    backend: StoreBackend,
    private readonly clock: Clock,
    private readonly metrics?: Metrics,
  ) {
    this.specs = laneSpecs(lanes);
    this.store = createLaneStore(backend, clock);
  }

  /** Takes one upload from every window of the lane's subjects, or none of them. */
  async reserve(laneId: string): Promise<Reservation> {
    const spec = this.spec(laneId);
    const reservation = await this.store.reserve(spec);
    if (reservation.ok) for (const subject of spec.subjects) this.inFlight.set(subject, (this.inFlight.get(subject) ?? 0) + 1);
    return reservation;
  }

  /** Gives back a reservation that was not used (nothing reached the upstream). */
  async refund(laneId: string): Promise<void> {
    const spec = this.spec(laneId);
    await this.store.reconcile(spec, { refund: true, accepted: false, opened: [], reports: [], pauseMs: [0, 0], notes: [], othersInFlight: this.release(spec) });
  }

  /** Counts one reservation of the lane out of the forwards in flight; per subject, how many others remain. */
  private release(spec: LaneSpec): [number, number] {
    return [this.releaseOne(spec.subjects[0]), this.releaseOne(spec.subjects[1])];
  }

  private releaseOne(subject: string): number {
    const left = Math.max(0, (this.inFlight.get(subject) ?? 0) - 1);
    if (left === 0) this.inFlight.delete(subject);
    else this.inFlight.set(subject, left);
    return left;
  }

  /**
   * Learns from one upstream answer to a reservation (`opened`: the windows it opened), in one step:
   * tightens (never loosens) the windows the headers report on, and after a 429 gives the upload back
   * (the upstream did not count it) and pauses the subject it concerns. Returns when the lane may
   * send again after a 429.
   */
  async reconcile(laneId: string, opened: readonly string[], answer: UpstreamAnswer): Promise<{ pausedUntil?: number }> {
    const spec = this.spec(laneId);
    const now = this.clock();
    const notes = creditNotes(answer.limits, now);
    let pauseMs: [number, number] = [0, 0];
    if (answer.kind === 'rate-limited') {
      const plan = pausePlan(spec, answer);
      pauseMs = plan.pauseMs;
      if (plan.withRoom) this.metrics?.upstream429WithRoom.inc({ lane: laneId });
      pauseMs.forEach((ms, subject) => {
        if (ms <= 0) return;
        this.metrics?.lanePauses.inc({ lane: laneId, subject: subjectNames[subject]! });
      });
    }
    const rateLimited = answer.kind === 'rate-limited';
    const { pausedUntil } = await this.store.reconcile(spec, { refund: rateLimited, accepted: answer.kind === 'ok', opened: rateLimited ? [] : opened, reports: windowReports(spec, answer.limits), pauseMs, notes, othersInFlight: this.release(spec) });
    return rateLimited ? { pausedUntil: Math.max(...pausedUntil) } : {};
  }

  /** Every lane's windows, pause and credits, read in one round trip. */
  async snapshots(lanes: ReadonlyArray<{ id: string; localAddress?: string }>): Promise<LaneSnapshot[]> {
    const subjects = [...new Set(lanes.flatMap((lane) => this.spec(lane.id).subjects))];
    const { now, records } = await this.store.read(subjects);
    return lanes.map((lane) => {
      const spec = this.spec(lane.id);
      return laneSnapshot(lane, spec, [records.get(spec.subjects[0]) ?? {}, records.get(spec.subjects[1]) ?? {}], now);
    });
  }

  async snapshot(lane: { id: string; localAddress?: string }): Promise<LaneSnapshot> {
    return (await this.snapshots([lane]))[0]!;
  }

  private spec(laneId: string): LaneSpec {
    const spec = this.specs.get(laneId);
    if (!spec) throw new Error(`unknown lane ${laneId}`);
    return spec;
  }

  /** Operator: ends the pauses after an upstream 429 on this lane's address and credential now. */
  resume(laneId: string): Promise<void> {
    return this.store.forget(this.spec(laneId), 'pauses');
  }

  /** Operator: forgets everything of this lane's subjects (every window opens fresh, learned ones too) and any pause. */
  reset(laneId: string): Promise<void> {
    return this.store.forget(this.spec(laneId), 'all');
  }
}

/** The upstream's last word on the credential's credits, which the lane view shows beside ours. */
function creditNotes({ client }: RateLimitObservation, now: number): Array<[SubjectIndex, string, string]> {
  if (!client) return [];
  // Written out: JSON.stringify of a conditionally spread object was the costliest line of a reconcile.
  const limit = client.limit === undefined ? '' : `"limit":${client.limit},`;
  return [[1, 'note|client', `{${limit}"remaining":${client.remaining},"at":${now}}`]];
}

/** A lane's budget in uploads (credit windows divided by the upload cost, their reserve left out). */
function laneSnapshot(lane: { id: string; localAddress?: string }, spec: LaneSpec, records: [SubjectRecord, SubjectRecord], now: number): LaneSnapshot {
  const windows: LaneWindowSnapshot[] = [];
  for (const w of liveWindows(spec, records, now)) {
    if (w.windowMs === undefined && w.resetAt === 0) continue;
    const uploads = (credits: number) => Math.max(0, Math.floor((credits - w.keep) / w.cost));
    const view: LaneWindowSnapshot = {
      scope: subjectNames[w.subject],
      limit: uploads(w.limit),
      windowMs: w.windowMs ?? Math.max(1, w.resetAt - now),
      remaining: uploads(w.limit - w.used),
      resetAt: w.resetAt || now,
    };
    if (w.learned) view.learned = w.name;
    windows.push(view);
  }
  const pauses: { address?: number; client?: number } = {};
  records.forEach((record, subject) => {
    const until = num(record, 'pause');
    if (until > now) pauses[subjectNames[subject]!] = until;
  });
  const pausedUntil = Math.max(0, ...Object.values(pauses));
  const snapshot: LaneSnapshot = { id: lane.id, windows, remaining: pausedUntil > 0 ? 0 : Math.min(Infinity, ...windows.map((w) => w.remaining)) };
  if (lane.localAddress) snapshot.localAddress = lane.localAddress;
  if (pausedUntil > 0) {
    snapshot.pausedUntil = pausedUntil;
    snapshot.pauses = pauses;
  }
  const credits = liveWindows(spec, records, now).find((w) => w.subject === 1 && w.name === 'credits');
  if (credits) {
    snapshot.credits = { limit: credits.limit, remaining: credits.limit - credits.used, reserve: credits.keep, uploadCost: credits.cost, windowMs: credits.windowMs!, resetAt: credits.resetAt };
    const reported = records[1]['note|client'];
    if (reported) snapshot.credits.upstream = JSON.parse(reported) as { remaining: number; at: number };
  }
  return snapshot;
}
