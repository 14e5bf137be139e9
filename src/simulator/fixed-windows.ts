import type { Clock } from '../clock.js';

/** At most `limit` uploads per `windowMs`. */
export interface WindowLimit {
  limit: number;
  windowMs: number;
}

/** Where one subject stands against its tightest window. */
export interface WindowStanding {
  limit: number;
  remaining: number;
  /** Epoch ms at which the window reported here reopens. */
  resetAt: number;
}

interface Window {
  startedAt: number;
  used: number;
}

/**
 * Imgur-like fixed windows per subject (an IP or a client id), each anchored at the subject's first
 * upload in it. Hand-written rather than rate-limiter-flexible because an upload must be checked
 * against the IP's and the client's windows together and counted in all of them only when it fits in
 * all: a refused upload is not counted, which separate limiters' `consume` cannot express.
 */
export class FixedWindows {
  private readonly windows = new Map<string, Window[]>();

  constructor(
    private readonly limits: readonly WindowLimit[],
    private readonly clock: Clock,
  ) {}

  /** When every window has room for `cost`: undefined. Otherwise when the last full window reopens (epoch ms). */
  blockedUntil(subject: string, cost = 1): number | undefined {
    const windows = this.current(subject, this.clock());
    const reopenings = windows.flatMap((window, i) => (window.used + cost > this.limits[i]!.limit ? [window.startedAt + this.limits[i]!.windowMs] : []));
    return reopenings.length > 0 ? Math.max(...reopenings) : undefined;
  }

  /** Counts one upload (`cost` units) in every window (after `blockedUntil` said there was room). */
  count(subject: string, cost = 1): void {
    for (const window of this.current(subject, this.clock())) window.used += cost;
  }

  /** The tightest window (fewest remaining; on a tie, the one reopening last), for rate-limit headers. */
  standing(subject: string): WindowStanding | undefined {
    const windows = this.current(subject, this.clock());
    let best: WindowStanding | undefined;
    windows.forEach((window, i) => {
      const { limit } = this.limits[i]!;
      const candidate = { limit, remaining: Math.max(0, limit - window.used), resetAt: window.startedAt + this.limits[i]!.windowMs };
      if (!best || candidate.remaining < best.remaining || (candidate.remaining === best.remaining && candidate.resetAt > best.resetAt)) best = candidate;
    });
    return best;
  }

  clear(): void {
    this.windows.clear();
  }

  /** The subject's live windows; an expired or unused one starts afresh at `now`. */
  private current(subject: string, now: number): Window[] {
    let windows = this.windows.get(subject);
    if (!windows) {
      windows = this.limits.map(() => ({ startedAt: now, used: 0 }));
      this.windows.set(subject, windows);
    }
    windows.forEach((window, i) => {
      if (window.used === 0 || now >= window.startedAt + this.limits[i]!.windowMs) {
        window.startedAt = now;
        window.used = 0;
      }
    });
    return windows;
  }
}
