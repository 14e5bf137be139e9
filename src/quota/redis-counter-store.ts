import type { QuotaPolicy } from '../config/schema.js';
import type { RedisClient } from '../redis/connect.js';
import { runScript } from '../redis/connect.js';
import type { RedisKeys } from '../redis/keys.js';
import { recentIpCapacity, type CounterStore } from './counter-store.js';
import type { PlannedWindow, WindowCount } from './plan.js';

/**
 * Window counters in Redis, shared by every gateway instance: one script call per decision.
 * Windows run on Redis's clock (TIME in the scripts), so instances whose clocks differ still share
 * one window; the ends are handed back in the caller's clock (`now`), shifted by how far Redis's
 * clock is from it, so headers and Retry-After are right for this instance.
 */
export class RedisCounterStore implements CounterStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    /** How long the busiest-IPs ranking outlives its last admission (the longest IP window). */
    private readonly rankingTtlMs: number,
  ) {}

  async decide(policy: QuotaPolicy, windows: readonly PlannedWindow[], clientIp: string, now: number) {
    const args: Array<string | number> = [policy, windows.filter((window) => window.scope === 'key').length, clientIp, recentIpCapacity, this.rankingTtlMs];
    for (const w of windows) args.push(w.limit, w.windowMs);
    const reply = await runScript<number[]>(this.redis, 'admit', this.scriptKeys(windows), args);
    const shift = now - Number(reply[1]);
    const counts = windows.map((_, i) => ({ used: Number(reply[2 * i + 2]), resetAt: Number(reply[2 * i + 3]) + shift }));
    return { admitted: reply[0] === 1, counts };
  }

  async refund(windows: readonly PlannedWindow[], clientIp: string): Promise<void> {
    await runScript(this.redis, 'refund', this.scriptKeys(windows), [clientIp]);
  }

  /** All windows and Redis's clock in one pipeline: one round trip. */
  async read(windows: readonly PlannedWindow[], now: number): Promise<WindowCount[]> {
    const pipeline = this.redis.pipeline().time();
    for (const window of windows) pipeline.hmget(this.counterKey(window), 'used', 'reset');
    const replies = (await pipeline.exec()) ?? [];
    const [timeError, time] = replies[0] ?? [new Error('no reply')];
    if (timeError) throw timeError;
    const [seconds, micros] = time as [string, string];
    const serverNow = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    return windows.map((window, i) => {
      const [error, state] = replies[i + 1] ?? [new Error('no reply')];
      if (error) throw error;
      const [used, reset] = (state as Array<string | null>).map(Number);
      return reset && reset > serverNow ? { used: used!, resetAt: reset - serverNow + now } : { used: 0, resetAt: now + window.windowMs };
    });
  }

  async clear(windows: readonly PlannedWindow[]): Promise<void> {
    if (windows.length > 0) await this.redis.unlink(...windows.map((window) => this.counterKey(window)));
  }

  async busiestIps(limit: number): Promise<string[]> {
    return limit > 0 ? this.redis.zrevrange(this.keys.recentIps(), 0, limit - 1) : [];
  }

  private scriptKeys(windows: readonly PlannedWindow[]): string[] {
    return this.keys.admissionKeys(windows.map((window) => this.counterKey(window)));
  }

  private counterKey(window: PlannedWindow): string {
    return this.keys.counter(window.subject, window.windowMs);
  }
}
