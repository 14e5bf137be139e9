import type { LaneSnapshot } from './types.js';

/** Simulated reset events at most; past this the estimate gives up rather than spin. */
const maxEvents = 100_000;

interface SimWindow {
  remaining: number;
  /** When the window's count resets; undefined while it has not started (it starts at first use). */
  resetAt: number | undefined;
  limit: number;
  windowMs: number;
}

/**
 * When the `n`-th upload from now can go upstream, replaying the lanes' budgets forward: what is
 * left now, then each window's resets. Lanes on one egress address share its windows, so each
 * address is counted once. Undefined when it never can (no lanes, or zero limits).
 */
export function etaFor(n: number, lanes: readonly LaneSnapshot[], now: number): number | undefined {
  const byAddress = new Map<string, { windows: SimWindow[]; pausedUntil: number }>();
  for (const lane of lanes) {
    const address = lane.localAddress ?? 'default';
    if (byAddress.has(address)) continue;
    byAddress.set(address, {
      pausedUntil: lane.pausedUntil ?? now,
      windows: lane.windows.map((w) => ({
        remaining: w.remaining,
        resetAt: w.remaining === w.limit && w.resetAt <= now ? undefined : w.resetAt,
        limit: w.limit,
        windowMs: w.windowMs,
      })),
    });
  }
  const groups = [...byAddress.values()];
  if (groups.length === 0) return undefined;
  let need = Math.max(1, n);
  let t = now;
  for (let events = 0; events < maxEvents; events++) {
    for (const w of groups.flatMap((g) => g.windows)) {
      if (w.resetAt !== undefined && w.resetAt <= t) {
        w.remaining = w.limit;
        w.resetAt = undefined;
      }
    }
    for (const group of groups) {
      if (group.pausedUntil > t) continue;
      const room = Math.min(Infinity, ...group.windows.map((w) => w.remaining));
      const take = Math.min(room === Infinity ? need : room, need);
      if (take <= 0) continue;
      for (const w of group.windows) {
        w.remaining -= take;
        w.resetAt ??= t + w.windowMs;
      }
      need -= take;
      if (need <= 0) return t;
    }
    const next = Math.min(
      ...groups.flatMap((g) => [g.pausedUntil > t ? g.pausedUntil : Infinity, ...g.windows.map((w) => (w.resetAt !== undefined && w.resetAt > t ? w.resetAt : Infinity))]),
    );
    if (next === Infinity) return undefined;
    t = next;
  }
  return undefined;
}
