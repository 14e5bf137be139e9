import type { Clock } from '../clock.js';
import { runScript } from '../redis/connect.js';
import type { StoreBackend } from '../store/backend.js';

/**
 * Per subject and window length: the time before which a fresh lane window must not open, because
 * the upstream's window (opened by an upload we sent) may still be running until then. Shared by
 * every instance on one Redis; kept in memory when embedded.
 */
export interface WindowGate {
  /** Epoch ms before which a fresh window may not open; 0 when nothing holds it. */
  notBefore(subject: string, windowMs: number): Promise<number>;
  /** Holds fresh windows until `at`, keeping a later time already recorded. */
  hold(subject: string, windowMs: number, at: number): Promise<void>;
}

export function createWindowGate(backend: StoreBackend, clock: Clock): WindowGate {
  if (backend.kind === 'redis') {
    const { redis, keys } = backend;
    return {
      notBefore: async (subject, windowMs) => Number(await redis.get(keys.laneNotBefore(subject, windowMs))) || 0,
      hold: async (subject, windowMs, at) => {
        const untilMs = Math.ceil(at - clock());
        // A plain key; the max is kept by a script so an older answer reconciled late on another
        // instance cannot shorten the hold. Each instance compares the time in it with its own
        // clock, so the key outlives it by a window: expiry only cleans up, it never decides.
        if (untilMs > 0) await runScript(redis, 'raiseNotBefore', [keys.laneNotBefore(subject, windowMs)], [at, untilMs + windowMs]);
      },
    };
  }
  const holds = new Map<string, number>();
  return {
    notBefore: async (subject, windowMs) => {
      const key = `${subject}:${windowMs}`;
      const at = holds.get(key) ?? 0;
      // Dropped once past, so the map holds at most one entry per live subject window.
      if (at > 0 && at <= clock()) holds.delete(key);
      return at;
    },
    hold: async (subject, windowMs, at) => {
      const key = `${subject}:${windowMs}`;
      holds.set(key, Math.max(holds.get(key) ?? 0, at));
    },
  };
}
