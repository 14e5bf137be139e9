import type { QuotaPolicy } from '../config/schema.js';
import { SnapshotFile } from '../store/snapshot-file.js';
import { counterSnapshotCoalesceMs, parseCounterSnapshot, type CounterSnapshot } from './counter-snapshot.js';
import { recentIpCapacity, type CounterStore } from './counter-store.js';
import { fits, type PlannedWindow, type WindowCount } from './plan.js';

const sweepEveryMs = 60_000;

/**
 * The embedded store's counters, the same algorithm as admit-n.lua. Hand-written rather than
 * rate-limiter-flexible's RateLimiterMemory: that charges each limiter on its own and reads
 * Date.now(), while a decision must check every window before charging any, on the injected clock.
 * Each decision runs synchronously, so it is atomic within the one process this store serves.
 */
export class MemoryCounterStore implements CounterStore {
  private readonly counters = new Map<string, WindowCount>();
  private readonly recentIps = new Map<string, number>();
  private nextSweepAt = 0;
  private readonly file: SnapshotFile | undefined;

  /** With `file`, the counts are read from it now and saved to it after every change (see SnapshotFile). */
  constructor(file?: string) {
    if (!file) return;
    this.file = new SnapshotFile(file, (): CounterSnapshot => ({ counters: [...this.counters], recentIps: [...this.recentIps] }), { coalesceMs: counterSnapshotCoalesceMs });
    const saved = parseCounterSnapshot(this.file.read());
    for (const [id, count] of saved.counters) this.counters.set(id, count);
    for (const [ip, score] of saved.recentIps) this.recentIps.set(ip, score);
  }

  async close(): Promise<void> {
    await this.file?.close();
  }

  async decide(policy: QuotaPolicy, windows: readonly PlannedWindow[], clientIp: string, now: number) {
    this.sweep(now);
    const counts = windows.map((window) => this.current(window, now));
    const admitted = fits(policy, windows, counts);
    if (admitted) {
      windows.forEach((window, i) => {
        counts[i] = { used: counts[i]!.used + 1, resetAt: counts[i]!.resetAt };
        this.counters.set(counterId(window), counts[i]!);
      });
      this.countIp(clientIp, 1);
      this.file?.changed();
    }
    return { admitted, counts };
  }

  async refund(windows: readonly PlannedWindow[], clientIp: string, now: number): Promise<void> {
    for (const window of windows) {
      const count = this.counters.get(counterId(window));
      if (count && count.resetAt > now && count.used > 0) count.used--;
    }
    this.countIp(clientIp, -1);
    this.file?.changed();
  }

  async read(windows: readonly PlannedWindow[], now: number): Promise<WindowCount[]> {
    return windows.map((window) => this.current(window, now));
  }

  async clear(windows: readonly PlannedWindow[]): Promise<void> {
    for (const window of windows) this.counters.delete(counterId(window));
    this.file?.changed();
  }

  async busiestIps(limit: number): Promise<string[]> {
    return [...this.recentIps].sort(([, a], [, b]) => b - a).slice(0, limit).map(([ip]) => ip);
  }

  private current(window: PlannedWindow, now: number): WindowCount {
    const count = this.counters.get(counterId(window));
    return count && count.resetAt > now ? { ...count } : { used: 0, resetAt: now + window.windowMs };
  }

  private countIp(clientIp: string, delta: number): void {
    const score = (this.recentIps.get(clientIp) ?? 0) + delta;
    if (score > 0) this.recentIps.set(clientIp, score);
    else this.recentIps.delete(clientIp);
    if (this.recentIps.size > recentIpCapacity) {
      const [quietest] = [...this.recentIps].reduce((min, entry) => (entry[1] < min[1] ? entry : min));
      this.recentIps.delete(quietest);
    }
  }

  /** Drops ended windows now and then, and forgets IPs none of whose windows is still running. */
  private sweep(now: number): void {
    if (now < this.nextSweepAt) return;
    this.nextSweepAt = now + sweepEveryMs;
    const liveIps = new Set<string>();
    for (const [id, count] of this.counters) {
      if (count.resetAt <= now) this.counters.delete(id);
      else if (id.startsWith('ip:')) liveIps.add(id.slice(3, id.lastIndexOf(':')));
    }
    for (const ip of this.recentIps.keys()) if (!liveIps.has(ip)) this.recentIps.delete(ip);
  }
}

function counterId(window: PlannedWindow): string {
  return `${window.subject}:${window.windowMs}`;
}
