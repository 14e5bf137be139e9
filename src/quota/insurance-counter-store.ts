import { RateLimiterMemory, type RateLimiterRes } from 'rate-limiter-flexible';
import type { QuotaPolicy } from '../config/schema.js';
import type { CounterStore } from './counter-store.js';
import { fits, type PlannedWindow, type WindowCount } from './plan.js';

/**
 * Stands in for Redis while it is unreachable and `store.onFailure` is `insurance`: the same
 * check-all-then-charge decision over rate-limiter-flexible memory limiters, one per window length.
 * Per process and on the system clock, so approximate: instances do not share these counts.
 */
export class InsuranceCounterStore implements CounterStore {
  private readonly limiters = new Map<number, RateLimiterMemory>();
  /** Decisions take turns, so a get-then-charge is never interleaved with another one. */
  private turn: Promise<unknown> = Promise.resolve();

  decide(policy: QuotaPolicy, windows: readonly PlannedWindow[], _clientIp: string, now: number) {
    const decision = this.turn.then(async () => {
      const counts = await this.read(windows, now);
      const admitted = fits(policy, windows, counts);
      if (admitted) {
        const charged = await Promise.all(windows.map((window) => this.limiter(window).penalty(window.subject)));
        charged.forEach((res, i) => (counts[i] = toCount(res, now)));
      }
      return { admitted, counts };
    });
    this.turn = decision.catch(() => {});
    return decision;
  }

  async refund(windows: readonly PlannedWindow[]): Promise<void> {
    await Promise.all(windows.map((window) => this.limiter(window).reward(window.subject)));
  }

  async read(windows: readonly PlannedWindow[], now: number): Promise<WindowCount[]> {
    const states = await Promise.all(windows.map((window) => this.limiter(window).get(window.subject)));
    return states.map((res, i) => (res ? toCount(res, now) : { used: 0, resetAt: now + windows[i]!.windowMs }));
  }

  async clear(windows: readonly PlannedWindow[]): Promise<void> {
    await Promise.all(windows.map((window) => this.limiter(window).delete(window.subject)));
  }

  /** Not tracked while standing in: the ranking lives in Redis. */
  async busiestIps(): Promise<string[]> {
    return [];
  }

  private limiter(window: PlannedWindow): RateLimiterMemory {
    let limiter = this.limiters.get(window.windowMs);
    if (!limiter) {
      // Points are never consumed through the limiter's own check: decisions are made by `fits`.
      limiter = new RateLimiterMemory({ points: Number.MAX_SAFE_INTEGER, duration: window.windowMs / 1000 });
      this.limiters.set(window.windowMs, limiter);
    }
    return limiter;
  }
}

function toCount(res: RateLimiterRes, now: number): WindowCount {
  return { used: res.consumedPoints, resetAt: now + res.msBeforeNext };
}
