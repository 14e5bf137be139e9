import type { WindowCount } from './plan.js';

/**
 * What the embedded store's counters look like on disk (`<spoolDir>/quota.json`, a SnapshotFile),
 * so a restart keeps what keys and IPs have used: window counters and the busiest-IP scores.
 */
export interface CounterSnapshot {
  counters: Array<[id: string, count: WindowCount]>;
  recentIps: Array<[ip: string, score: number]>;
}

/** Changes within this long of each other go to disk in one write: a crash loses at most ~100 ms of counts. */
export const counterSnapshotCoalesceMs = 100;

/** The saved counts; entries that are not finite, whole, non-negative numbers are dropped (never trusted). */
export function parseCounterSnapshot(raw: unknown): CounterSnapshot {
  const saved = (typeof raw === 'object' && raw !== null ? raw : {}) as Partial<Record<keyof CounterSnapshot, unknown>>;
  const counters = entries(saved.counters).flatMap(([id, count]) => {
    const { used, resetAt } = (typeof count === 'object' && count !== null ? count : {}) as Partial<WindowCount>;
    return typeof id === 'string' && isCount(used) && isCount(resetAt) ? [[id, { used, resetAt }] as [string, WindowCount]] : [];
  });
  const recentIps = entries(saved.recentIps).flatMap(([ip, score]) => (typeof ip === 'string' && isCount(score) ? [[ip, score] as [string, number]] : []));
  return { counters, recentIps };
}

function entries(value: unknown): Array<[unknown, unknown]> {
  return Array.isArray(value) ? value.filter((entry): entry is [unknown, unknown] => Array.isArray(entry) && entry.length === 2) : [];
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
