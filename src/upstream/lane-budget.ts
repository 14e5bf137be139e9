import { createHash } from 'node:crypto';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { LaneConfig, WindowLimit } from '../config/schema.js';
import type { Clock } from '../clock.js';
import type { LaneSnapshot, LaneWindowSnapshot } from '../queue/types.js';
import type { StoreBackend } from '../store/backend.js';
import type { RateLimitObservation } from './types.js';
import { createWindowGate, type WindowGate } from './window-gate.js';

/** One window of one subject's budget, counted by a rate-limiter-flexible limiter keyed by the subject. */
interface BudgetWindow {
  scope: 'address' | 'client';
  subject: string;
  limit: number;
  windowMs: number;
  limiter: RateLimiterAbstract;
}

export type Reservation = { ok: true } | { ok: false; retryInMs: number };

/** Pauses shorter than this are rounded up: the limiters count whole seconds. */
const secondMs = 1_000;

/**
 * Upstream budgets per SUBJECT — an egress address (`address:<ip|default>`) or a credential
 * (`client:<sha256 prefix>`) — so lanes sharing an address or credential share its budget, across
 * every instance on one Redis. rate-limiter-flexible does the counting: consume reserves, reward
 * refunds, penalty/set tighten from what the upstream reports, block pauses a subject after a 429.
 * Windows start at their first use and are whole seconds (rounded up: the safe side).
 *
 * Window edges: ours starts when we reserve, the upstream's when the upload reaches it, so ours
 * reopens a few ms first (seen end to end as 429s at every boundary). The upstream reports resets
 * only in whole seconds, so instead an answer showing that its upload OPENED the upstream's window
 * (remaining = limit - 1) holds our next fresh window of that length until one window after the
 * answer arrived — the latest the upstream's can end (see WindowGate).
 */
export class LaneBudget {
  private readonly windowsByLane = new Map<string, BudgetWindow[]>();
  private readonly addressOf = new Map<string, string>();
  /** One limiter per window length and scope, shared by all subjects (the subject is the limiter key). */
  private readonly limiters = new Map<string, RateLimiterAbstract>();
  /** Pauses after a 429 live apart from the counters, so a pause never overwrites (and later resets) a count. */
  private readonly pauses: RateLimiterAbstract;
  private readonly gate: WindowGate;

  constructor(
    lanes: readonly LaneConfig[],
    private readonly backend: StoreBackend,
    private readonly clock: Clock,
  ) {
    this.pauses = this.limiter('pause', 1, secondMs);
    this.gate = createWindowGate(backend, clock);
    const subjectLimits = new Map<string, readonly WindowLimit[]>();
    for (const lane of lanes) {
      const address = `address:${lane.localAddress ?? 'default'}`;
      const client = `client:${createHash('sha256').update(lane.clientId).digest('hex').slice(0, 16)}`;
      // Lanes sharing a subject share its budget; the first lane naming the subject sets its limits.
      if (!subjectLimits.has(address)) subjectLimits.set(address, lane.limits);
      if (!subjectLimits.has(client)) subjectLimits.set(client, lane.clientLimits);
      this.addressOf.set(lane.id, address);
      this.windowsByLane.set(lane.id, [
        ...this.windowsOf('address', address, subjectLimits.get(address)!),
        ...this.windowsOf('client', client, subjectLimits.get(client)!),
      ]);
    }
  }

  /** Takes one upload from every window of the lane's subjects, or none of them. */
  async reserve(laneId: string): Promise<Reservation> {
    const windows = this.windows(laneId);
    // Everything that can hold the lane back is read at once: a pause after a 429, and when each
    // window may next open (one parallel read, so the check adds no round trip of its own).
    const [paused, notBefore] = await Promise.all([this.pausedFor(laneId), Promise.all(windows.map((w) => this.gate.notBefore(w.subject, w.windowMs)))]);
    if (paused > 0) return { ok: false, retryInMs: paused };
    const taken: BudgetWindow[] = [];
    for (const [index, window] of windows.entries()) {
      try {
        const counted = await window.limiter.consume(window.subject);
        taken.push(window);
        const held = this.heldBack(window, counted, notBefore[index]!);
        if (held > 0) {
          await this.refundWindows(taken);
          return { ok: false, retryInMs: held };
        }
      } catch (error) {
        if (!(error instanceof RateLimiterRes)) {
          await this.refundWindows(taken);
          throw error;
        }
        // A refused consume still counted: give that point back too. Between the two another
        // instance may see a false refusal; it never sees more room than there is.
        await this.refundWindows([...taken, window]);
        return { ok: false, retryInMs: Math.max(error.msBeforeNext, 1) };
      }
    }
    return { ok: true };
  }

  /**
   * How long a consume must wait for the upstream. `notBefore` is when the upstream's latest window
   * (opened by an upload of ours) surely ends. A window of ours ending about then is that same window
   * (ends a little later only when stretched to the upstream's rounded reset); one ending a window
   * later is the NEXT one, and must not send before the upstream's window is over. Every consume is
   * judged, not just the one that opened our window: on another instance, a consume in the same
   * instant would otherwise slip past a refused opener.
   */
  private heldBack(window: BudgetWindow, counted: RateLimiterRes, notBefore: number): number {
    const now = this.clock();
    if (now >= notBefore) return 0;
    const endsAt = now + counted.msBeforeNext;
    return endsAt > notBefore + window.windowMs / 2 ? notBefore - now : 0;
  }

  /** Gives back a reservation that was not used (nothing was queued). */
  async refund(laneId: string): Promise<void> {
    await this.refundWindows(this.windows(laneId));
  }

  /**
   * Tightens (never loosens) the lane's windows from what the upstream reported: fewer remaining
   * than we count raises our count, and our window is kept open at least until the upstream's reset.
   */
  async reconcile(laneId: string, observed: RateLimitObservation): Promise<void> {
    const windows = this.windows(laneId);
    for (const scope of ['address', 'client'] as const) {
      const report = observed[scope];
      if (!report) continue;
      const scoped = windows.filter((w) => w.scope === scope);
      const window = this.matchingWindow(scoped, report);
      if (window) await this.tighten(window, report.remaining, report.resetAt);
      const opened = this.openedWindow(scoped, report);
      if (opened) await this.gate.hold(opened.subject, opened.windowMs, this.clock() + opened.windowMs);
    }
  }

  /** Pauses every lane on this lane's egress address until `untilMs` (default: its shortest window). */
  async pause(laneId: string, untilMs?: number): Promise<number> {
    const address = this.addressOf.get(laneId);
    if (!address) return 0;
    const shortest = Math.min(...this.windows(laneId).filter((w) => w.scope === 'address').map((w) => w.windowMs), 60 * secondMs);
    const until = untilMs && untilMs > this.clock() ? untilMs : this.clock() + shortest;
    await this.pauses.block(address, Math.ceil((until - this.clock()) / secondMs));
    return until;
  }

  async snapshot(lane: { id: string; localAddress?: string }): Promise<LaneSnapshot> {
    const now = this.clock();
    const windows: LaneWindowSnapshot[] = await Promise.all(
      this.windows(lane.id).map(async (w) => {
        const state = await w.limiter.get(w.subject);
        const used = Math.min(state?.consumedPoints ?? 0, w.limit);
        return { scope: w.scope, limit: w.limit, windowMs: w.windowMs, remaining: w.limit - used, resetAt: now + (state ? Math.max(state.msBeforeNext, 0) : 0) };
      }),
    );
    const paused = await this.pausedFor(lane.id);
    const snapshot: LaneSnapshot = { id: lane.id, windows, remaining: paused > 0 ? 0 : Math.min(Infinity, ...windows.map((w) => w.remaining)) };
    if (lane.localAddress) snapshot.localAddress = lane.localAddress;
    if (paused > 0) snapshot.pausedUntil = now + paused;
    return snapshot;
  }

  private windows(laneId: string): BudgetWindow[] {
    const windows = this.windowsByLane.get(laneId);
    if (!windows) throw new Error(`unknown lane ${laneId}`);
    return windows;
  }

  private windowsOf(scope: BudgetWindow['scope'], subject: string, limits: readonly WindowLimit[]): BudgetWindow[] {
    return limits.map((l) => ({ scope, subject, limit: l.limit, windowMs: l.window, limiter: this.limiter(`${scope}:${l.window}:${l.limit}`, l.limit, l.window) }));
  }

  private limiter(name: string, points: number, windowMs: number): RateLimiterAbstract {
    const existing = this.limiters.get(name);
    if (existing) return existing;
    const options = { points, duration: Math.max(1, Math.ceil(windowMs / secondMs)) };
    const limiter =
      this.backend.kind === 'redis'
        ? new RateLimiterRedis({ ...options, storeClient: this.backend.redis, keyPrefix: this.backend.keys.limiterPrefix(`upstream:${name}`) })
        : new RateLimiterMemory({ ...options, keyPrefix: `upstream:${name}` });
    this.limiters.set(name, limiter);
    return limiter;
  }

  /**
   * How long a window this consume just opened must wait for the upstream's previous one. Read only
   * for fresh windows (once per window, not per reservation): a window already in use is one the
   * upstream's window is aligned with. Between two instances, a consume racing a refused opener in
   * the same few ms may still pass; that gap is what remains of the window-edge problem.
   */
  private async pausedFor(laneId: string): Promise<number> {
    const address = this.addressOf.get(laneId);
    const state = address ? await this.pauses.get(address) : null;
    return state && state.consumedPoints > 1 ? Math.max(state.msBeforeNext, 1) : 0;
  }

  private async refundWindows(windows: BudgetWindow[]): Promise<void> {
    await Promise.all(windows.map((w) => w.limiter.reward(w.subject)));
  }

  /**
   * The shortest window that contains the reported reset: the one the report describes. A reset
   * beyond all of ours is an upstream window longer than any we count; it binds our longest window
   * only once it has fewer left than that window's limit. Before that, holding our short window
   * open until the long reset would shrink the lane's budget to one short window per long one.
   */
  private matchingWindow(windows: BudgetWindow[], report: { remaining: number; resetAt: number }): BudgetWindow | undefined {
    const sorted = [...windows].sort((a, b) => a.windowMs - b.windowMs);
    const untilReset = report.resetAt - this.clock();
    const longest = sorted.at(-1);
    return sorted.find((w) => w.windowMs >= untilReset) ?? (longest && report.remaining < longest.limit ? longest : undefined);
  }

  /**
   * The window an answer shows its upload opened (remaining = limit - 1; the configured limit when
   * the upstream reports none): the shortest whose length covers the reported reset, which the
   * upstream rounds up to whole seconds.
   */
  private openedWindow(windows: BudgetWindow[], report: { limit?: number; remaining: number; resetAt: number }): BudgetWindow | undefined {
    const untilReset = report.resetAt - this.clock();
    return windows
      .filter((w) => report.remaining === (report.limit ?? w.limit) - 1 && w.windowMs + secondMs >= untilReset)
      .sort((a, b) => a.windowMs - b.windowMs)[0];
  }

  private async tighten(window: BudgetWindow, remaining: number, resetAt: number): Promise<void> {
    const state = await window.limiter.get(window.subject);
    const consumed = state?.consumedPoints ?? 0;
    const upstreamConsumed = window.limit - Math.max(0, Math.min(remaining, window.limit));
    let count = consumed;
    let ttl = state?.msBeforeNext ?? 0;
    if (upstreamConsumed > consumed) {
      const raised = await window.limiter.penalty(window.subject, upstreamConsumed - consumed);
      count = raised.consumedPoints;
      ttl = raised.msBeforeNext;
    }
    const untilReset = resetAt - this.clock();
    if (count > 0 && untilReset > ttl + secondMs) {
      // Extending the window rewrites the count: a reservation made between the read above and
      // this write would be lost. The upstream's own count is the truth here, so we accept that.
      await window.limiter.set(window.subject, count, Math.ceil(untilReset / secondMs));
    }
  }

  /** Operator: ends a pause after an upstream 429 on this lane's egress address now. */
  async resume(laneId: string): Promise<void> {
    const address = this.addressOf.get(laneId);
    if (address) await this.pauses.delete(address);
  }

  /** Operator: forgets what this lane's subjects have used (every window opens fresh) and any pause. */
  async reset(laneId: string): Promise<void> {
    await Promise.all(this.windows(laneId).map((w) => w.limiter.delete(w.subject)));
    await this.resume(laneId);
  }
}
