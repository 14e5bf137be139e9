import { keepOf, type LaneSpec, type SubjectIndex } from './lane-spec.js';

/**
 * A subject's budget record: one flat hash (a Redis hash under `{lanes}`, or a Map embedded), so
 * reserving every window of a lane's address and credential is one read and one write of two keys.
 * Fields, per window `<name>`: `<name>|used`, `<name>|reset` (epoch ms; absent or past = not
 * running), `<name>|nb` (a fresh window may not open before), `<name>|carry` (uploads sent at the
 * window's very end, counted again in the next one), `<name>|ok` (an accepted answer was seen in it), and for windows the upstream told
 * us about, `<name>|limit`, `<name>|cost` and `<name>|len` (absent: it only bounds until its reset).
 * `pause` is when a 429's pause ends; `note|client` keeps the upstream's last word on the credits (JSON) for the lane view.
 */
export type SubjectRecord = Record<string, string>;

/** One window of a lane as the record says it stands. */
export interface LiveWindow {
  subject: SubjectIndex;
  name: string;
  limit: number;
  /** Undefined for a bound the upstream gave that ends with its reset. */
  windowMs: number | undefined;
  cost: number;
  keep: number;
  learned: boolean;
  used: number;
  /** 0 while not running. */
  resetAt: number;
  notBefore: number;
}

export function num(record: SubjectRecord, field: string): number {
  const value = Number(record[field]);
  return Number.isFinite(value) ? value : 0;
}

/** The lane's configured windows (a reported credit limit lowers the configured one) and the learned ones. */
export function liveWindows(spec: LaneSpec, records: readonly [SubjectRecord, SubjectRecord], now: number): LiveWindow[] {
  const state = (record: SubjectRecord, name: string) => {
    const resetAt = num(record, `${name}|reset`);
    return { used: resetAt > now ? num(record, `${name}|used`) : 0, resetAt: resetAt > now ? resetAt : 0, notBefore: num(record, `${name}|nb`) };
  };
  const windows: LiveWindow[] = spec.windows.map((w) => {
    const record = records[w.subject];
    const reported = record[`${w.name}|limit`] === undefined ? Infinity : num(record, `${w.name}|limit`);
    const limit = Math.min(w.limit, reported);
    return { ...w, limit, keep: keepOf(w.keep, limit), learned: false, ...state(record, w.name) };
  });
  records.forEach((record, subject) => {
    for (const field of Object.keys(record)) {
      if (!field.endsWith('|cost')) continue;
      const name = field.slice(0, -'|cost'.length);
      const len = record[`${name}|len`] === undefined ? undefined : num(record, `${name}|len`);
      windows.push({ subject: subject as SubjectIndex, name, limit: num(record, `${name}|limit`), windowMs: len, cost: num(record, field), keep: 0, learned: true, ...state(record, name) });
    }
  });
  return windows;
}
