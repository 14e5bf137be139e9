import type { QuotaPolicy } from '../config/schema.js';
import type { PlannedWindow, WindowCount } from './plan.js';

/** Where window counters live: Redis, process memory, or the insurance limiter. All decide the same way. */
export interface CounterStore {
  /** Checks every window against the policy before charging any; charges all of them only when admitted. */
  decide(policy: QuotaPolicy, windows: readonly PlannedWindow[], clientIp: string, now: number): Promise<{ admitted: boolean; counts: WindowCount[] }>;
  /** Takes back one use from each window still running. */
  refund(windows: readonly PlannedWindow[], clientIp: string, now: number): Promise<void>;
  read(windows: readonly PlannedWindow[], now: number): Promise<WindowCount[]>;
  clear(windows: readonly PlannedWindow[]): Promise<void>;
  /** Client IPs by admitted uploads recently, busiest first. */
  busiestIps(limit: number): Promise<string[]>;
  /** Finishes what it still writes (the embedded store's snapshot); nothing for the others. */
  close?(): Promise<void>;
}

/** Most client IPs remembered for the busiest-IPs view; the quietest are dropped first. */
export const recentIpCapacity = 10_000;
