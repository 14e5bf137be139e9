import type { Redis } from 'ioredis';
import type { QuotaPolicy } from '../config/schema.js';
import { runScript } from '../redis/connect.js';
import type { RedisKeys } from '../redis/keys.js';
import { recentIpCapacity, type CounterStore } from './counter-store.js';
import type { PlannedWindow, WindowCount } from './plan.js';

/** Window counters in Redis, shared by every gateway instance: one script call per decision. */
export class RedisCounterStore implements CounterStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    /** How long the busiest-IPs ranking outlives its last admission (the longest IP window). */
    private readonly rankingTtlMs: number,
  ) {}

  async decide(policy: QuotaPolicy, windows: readonly PlannedWindow[], clientIp: string, now: number) {
    const keyWindows = windows.filter((window) => window.scope === 'key').length;
    const args = [now, policy, keyWindows, clientIp, recentIpCapacity, this.rankingTtlMs, ...windows.flatMap((w) => [w.limit, w.windowMs])];
    const reply = await runScript<number[]>(this.redis, 'admit', this.scriptKeys(windows), args);
    const counts = windows.map((_, i) => ({ used: Number(reply[2 * i + 1]), resetAt: Number(reply[2 * i + 2]) }));
    return { admitted: reply[0] === 1, counts };
  }

  async refund(windows: readonly PlannedWindow[], clientIp: string, now: number): Promise<void> {
    await runScript(this.redis, 'refund', this.scriptKeys(windows), [now, clientIp]);
  }

  /** All windows in one pipeline: one round trip. */
  async read(windows: readonly PlannedWindow[], now: number): Promise<WindowCount[]> {
    const pipeline = this.redis.pipeline();
    for (const window of windows) pipeline.hmget(this.counterKey(window), 'used', 'reset');
    const replies = (await pipeline.exec()) ?? [];
    return windows.map((window, i) => {
      const [error, state] = replies[i] ?? [new Error('no reply')];
      if (error) throw error;
      const [used, reset] = (state as Array<string | null>).map(Number);
      return reset && reset > now ? { used: used!, resetAt: reset } : { used: 0, resetAt: now + window.windowMs };
    });
  }

  async clear(windows: readonly PlannedWindow[]): Promise<void> {
    if (windows.length > 0) await this.redis.unlink(...windows.map((window) => this.counterKey(window)));
  }

  async busiestIps(limit: number): Promise<string[]> {
    return limit > 0 ? this.redis.zrevrange(this.keys.recentIps(), 0, limit - 1) : [];
  }

  private scriptKeys(windows: readonly PlannedWindow[]): string[] {
    return [...windows.map((window) => this.counterKey(window)), this.keys.recentIps()];
  }

  private counterKey(window: PlannedWindow): string {
    return this.keys.counter(window.subject, window.windowMs);
  }
}
