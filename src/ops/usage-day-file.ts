import { dayMs, minuteMs, type UsageCounters, type UsageSubject } from './usage-history.js';

/**
 * One UTC day of the embedded store's usage history as a file in the spool: `<YYYY-MM-DD>.json`
 * holding `{"<subject>": {"<minute of day>": {"<counter>": n}}}`, the fields of the Redis layout's
 * per-day hash. In memory: subject → minute start (epoch ms) → counters.
 */
export type UsageDay = Map<UsageSubject, Map<number, UsageCounters>>;

const fileName = /^(\d{4}-\d{2}-\d{2})\.json$/;
const subjectName = /^(all|key:.{1,200}|lane:.{1,200})$/s;
const counterName = /^[A-Za-z]{1,32}(:\d{1,6})?$/;
const minutesPerDay = dayMs / minuteMs;

export function usageDayFileName(day: number): string {
  return `${new Date(day * dayMs).toISOString().slice(0, 10)}.json`;
}

/** The day (days since the epoch) a file name stands for; undefined for any other file. */
export function usageDayOfFileName(name: string): number | undefined {
  const date = fileName.exec(name)?.[1];
  const at = date === undefined ? Number.NaN : Date.parse(`${date}T00:00:00Z`);
  return Number.isFinite(at) ? at / dayMs : undefined;
}

export function serializeUsageDay(day: number, buckets: UsageDay): Record<string, Record<string, UsageCounters>> {
  const saved: Record<string, Record<string, UsageCounters>> = {};
  for (const [subject, minutes] of buckets) {
    const slots: Record<string, UsageCounters> = {};
    for (const [t, counters] of minutes) slots[(t - day * dayMs) / minuteMs] = counters;
    saved[subject] = slots;
  }
  return saved;
}

/** A saved day; subjects, minutes and counts that are not what this code writes are dropped (never trusted). */
export function parseUsageDay(day: number, raw: unknown): UsageDay {
  const buckets: UsageDay = new Map();
  for (const [subject, slots] of objectEntries(raw)) {
    if (!subjectName.test(subject)) continue;
    const minutes = new Map<number, UsageCounters>();
    for (const [slot, saved] of objectEntries(slots)) {
      const index = Number(slot);
      if (!/^\d{1,4}$/.test(slot) || index >= minutesPerDay) continue;
      const counters: UsageCounters = {};
      for (const [name, value] of objectEntries(saved)) if (counterName.test(name) && isCount(value)) counters[name] = value;
      if (Object.keys(counters).length > 0) minutes.set(day * dayMs + index * minuteMs, counters);
    }
    if (minutes.size > 0) buckets.set(subject as UsageSubject, minutes);
  }
  return buckets;
}

function objectEntries(value: unknown): Array<[string, unknown]> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? Object.entries(value) : [];
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
