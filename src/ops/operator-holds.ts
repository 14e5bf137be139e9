import type { Clock } from '../clock.js';
import type { RedisKeys } from '../redis/keys.js';
import type { StoreBackend } from '../store/backend.js';

/** What an operator has put on hold: the whole queue, or single lanes (until a time, or until resumed). */
export interface Holds {
  queue: boolean;
  /** Lane id → epoch ms the hold ends (Infinity: until resumed). */
  lanes: Map<string, number>;
}

/**
 * Operator holds, shared by every instance on one Redis (one hash, `<prefix>{ops}:holds`) or kept
 * by this process. The dispatcher consults them before every reservation, so they are cached for
 * a second: a hold takes effect on every instance within about a second.
 */
export class OperatorHolds {
  private cached: { at: number; holds: Holds } | undefined;
  private readonly local = new Map<string, number>();

  constructor(
    private readonly backend: StoreBackend,
    private readonly clock: Clock,
  ) {}

  async current(): Promise<Holds> {
    const now = this.clock();
    if (this.cached && now - this.cached.at < 1_000) return this.cached.holds;
    const fields = this.backend.kind === 'redis' ? await this.backend.redis.hgetall(this.key(this.backend.keys)) : Object.fromEntries([...this.local].map(([k, v]) => [k, String(v)]));
    const holds: Holds = { queue: false, lanes: new Map() };
    for (const [field, value] of Object.entries(fields)) {
      const until = value === 'inf' || Number(value) === Infinity ? Infinity : Number(value);
      if (until <= now) continue;
      if (field === 'queue') holds.queue = true;
      else if (field.startsWith('lane:')) holds.lanes.set(field.slice(5), until);
    }
    this.cached = { at: now, holds };
    return holds;
  }

  /** Holds `lane:<id>` or `queue` until `until` (default: until released). */
  async hold(field: string, until = Infinity): Promise<void> {
    const value = Number.isFinite(until) ? String(until) : 'inf';
    if (this.backend.kind === 'redis') await this.backend.redis.hset(this.key(this.backend.keys), field, value);
    else this.local.set(field, until);
    this.cached = undefined;
  }

  async release(field: string): Promise<void> {
    if (this.backend.kind === 'redis') await this.backend.redis.hdel(this.key(this.backend.keys), field);
    else this.local.delete(field);
    this.cached = undefined;
  }

  private key(keys: RedisKeys): string {
    return keys.operatorHolds();
  }
}
