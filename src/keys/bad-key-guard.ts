import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { systemClock, type Clock } from '../clock.js';
import type { Config } from '../config/schema.js';
import { GatewayError } from '../errors/catalogue.js';
import type { StoreBackend } from '../store/backend.js';

/** Blocks client IPs that keep sending invalid keys (brute force), per `server.badKeyLimit`. */
export interface BadKeyGuard {
  /** Throws tooManyBadKeys (429, Retry-After) while `ip` is blocked. No store round trip: blocks are known in process. */
  assertAllowed(ip: string): void;
  /** Counts one invalid key from `ip`; the attempt that uses up the limit blocks it for the rest of the window. */
  recordFailure(ip: string): Promise<void>;
}

/** Most blocked IPs remembered at once; expired blocks are dropped first. */
const maxBlocked = 10_000;

/**
 * Failures are counted with rate-limiter-flexible: in Redis (shared by every instance, with a memory
 * limiter as insurance while Redis is away) or in memory for the embedded store.
 */
export function createBadKeyGuard(config: Config, backend: StoreBackend, options: { clock?: Clock } = {}): BadKeyGuard {
  const { limit, window } = config.server.badKeyLimit;
  const limits = { points: limit, duration: window / 1000 };
  const limiter: RateLimiterAbstract =
    backend.kind === 'redis'
      ? new RateLimiterRedis({ ...limits, storeClient: backend.redis, keyPrefix: backend.keys.limiterPrefix('bad-key'), insuranceLimiter: new RateLimiterMemory(limits) })
      : new RateLimiterMemory({ ...limits, keyPrefix: 'bad-key' });
  const clock = options.clock ?? systemClock;
  const blockedUntil = new Map<string, number>();

  const block = (ip: string, ms: number) => {
    if (blockedUntil.size >= maxBlocked) {
      const now = clock();
      for (const [blocked, until] of blockedUntil) if (until <= now) blockedUntil.delete(blocked);
      if (blockedUntil.size >= maxBlocked) blockedUntil.delete(blockedUntil.keys().next().value!);
    }
    blockedUntil.set(ip, clock() + ms);
  };

  return {
    assertAllowed(ip) {
      const until = blockedUntil.get(ip);
      if (until === undefined) return;
      const left = until - clock();
      if (left > 0) throw new GatewayError('tooManyBadKeys', { retryAfterSeconds: left / 1000 });
      blockedUntil.delete(ip);
    },
    async recordFailure(ip) {
      try {
        const res = await limiter.consume(ip);
        if (res.remainingPoints === 0) block(ip, res.msBeforeNext);
      } catch (rejection) {
        // Over the limit already (e.g. counted by other instances); anything else is a real error.
        if (!(rejection instanceof RateLimiterRes)) throw rejection;
        block(ip, rejection.msBeforeNext);
      }
    },
  };
}
