import type { Clock } from '../clock.js';
import { liveWindows, num, type LiveWindow, type SubjectRecord } from './lane-record.js';
import type { LaneSpec } from './lane-spec.js';
import type { LaneChange, LaneStore, ReserveOutcome } from './lane-store.js';

/**
 * The embedded store's lane budgets: the same algorithm as src/redis/scripts/reserveLane-n.lua and
 * reconcileLane-n.lua, on records in memory, with the injected clock. Each method runs without an
 * await in between, so it is as atomic as the script.
 */
export class MemoryLaneStore implements LaneStore {
  private readonly records = new Map<string, SubjectRecord>();

  constructor(private readonly clock: Clock) {}

  async reserve(spec: LaneSpec): Promise<ReserveOutcome> {
    const now = this.clock();
    const records = this.recordsOf(spec);
    let wait = Math.max(0, ...records.map((r) => num(r, 'pause') - now));
    const take: Array<{ w: LiveWindow; fresh: boolean; carried: number }> = [];
    if (wait === 0) {
      for (const w of liveWindows(spec, records, now)) {
        const room = w.limit - w.keep;
        if (w.resetAt > 0) {
          // A running window of ours that began after the upstream's last one ended (it ends later
          // than a window past the hold) is the upstream's NEXT window: it waits for the hold too.
          if (w.windowMs !== undefined && w.notBefore > now && w.resetAt > w.notBefore + w.windowMs / 2) wait = Math.max(wait, w.notBefore - now);
          else if (w.used + w.cost > room) wait = Math.max(wait, w.resetAt - now);
          else take.push({ w, fresh: false, carried: 0 });
        } else if (w.windowMs === undefined) continue;
        else if (w.notBefore > now) wait = Math.max(wait, w.notBefore - now);
        else {
          const carried = Math.min(num(records[w.subject], `${w.name}|carry`), room);
          if (carried + w.cost > room) wait = Math.max(wait, w.windowMs);
          else take.push({ w, fresh: true, carried });
        }
      }
    }
    if (wait > 0) return { ok: false, retryInMs: Math.ceil(wait) };
    const opened: string[] = [];
    for (const { w, fresh, carried } of take) {
      const record = records[w.subject];
      record[`${w.name}|used`] = String((fresh ? carried : w.used) + w.cost);
      // Sent in the last moments of our window, it may reach the upstream in its next one: counted there too.
      if (!fresh && w.windowMs !== undefined && w.resetAt - now < edgeMs(w.windowMs)) record[`${w.name}|carry`] = String(num(record, `${w.name}|carry`) + w.cost);
      if (fresh) {
        record[`${w.name}|reset`] = String(now + w.windowMs!);
        delete record[`${w.name}|ok`];
        delete record[`${w.name}|carry`];
        opened.push(`${w.subject}:${w.name}`);
      }
    }
    return { ok: true, opened };
  }

  async reconcile(spec: LaneSpec, change: LaneChange): Promise<{ pausedUntil: [number, number] }> {
    const now = this.clock();
    const records = this.recordsOf(spec);
    if (change.refund) {
      for (const w of liveWindows(spec, records, now)) {
        if (w.resetAt === 0 || w.used <= 0) continue;
        const record = records[w.subject];
        const used = Math.max(0, w.used - w.cost);
        record[`${w.name}|used`] = String(used);
        // Nothing of it reached the upstream: the window restarts with the next upload that does.
        if (used === 0 && w.windowMs !== undefined) {
          delete record[`${w.name}|reset`];
          delete record[`${w.name}|ok`];
        }
      }
    } else {
      for (const id of change.opened) {
        const w = liveWindows(spec, records, now).find((live) => `${live.subject}:${live.name}` === id);
        if (w?.windowMs !== undefined) hold(records[w.subject], w.name, now + w.windowMs);
      }
      if (change.accepted) {
        for (const w of liveWindows(spec, records, now)) {
          const record = records[w.subject];
          if (w.resetAt === 0 || w.windowMs === undefined || record[`${w.name}|ok`] !== undefined) continue;
          hold(record, w.name, now + w.windowMs);
          record[`${w.name}|ok`] = '1';
        }
      }
    }
    for (const report of change.reports) {
      const record = records[report.subject];
      const { name } = report;
      if (report.learned) {
        record[`${name}|cost`] = String(report.cost);
        if (report.limit === undefined) {
          // A bound without a limit: at most `remaining` more until its reset, then it is gone.
          const resetAt = num(record, `${name}|reset`);
          if (resetAt > now) record[`${name}|limit`] = String(Math.min(num(record, `${name}|limit`), num(record, `${name}|used`) + report.remaining));
          else Object.assign(record, { [`${name}|used`]: String(change.othersInFlight[report.subject]), [`${name}|limit`]: String(report.remaining), [`${name}|reset`]: String(now + report.inMs) });
          continue;
        }
        record[`${name}|limit`] = String(report.limit);
        const len = report.exact ? Math.max(num(record, `${name}|len`), Math.ceil(report.inMs / 1000) * 1000) : report.inMs;
        record[`${name}|len`] = String(len);
      } else if (report.limit !== undefined) {
        record[`${name}|limit`] = String(report.limit);
      }
      const w = liveWindows(spec, records, now).find((live) => live.subject === report.subject && live.name === name);
      if (!w) continue;
      const upstreamUsed = w.limit - Math.max(0, Math.min(report.remaining, w.limit));
      if (w.resetAt > 0) {
        record[`${name}|used`] = String(Math.max(w.used, upstreamUsed));
        // Kept open until the upstream's own reset, never longer than it said.
        if (report.exact && now + report.inMs > w.resetAt) record[`${name}|reset`] = String(now + report.inMs);
      } else if (upstreamUsed > 0) {
        // The window starts in our books now: forwards still in flight were sent outside it, and the
        // upstream may not have counted them yet, so they are counted in it (at worst, too soon).
        record[`${name}|used`] = String(upstreamUsed + change.othersInFlight[report.subject]);
        record[`${name}|reset`] = String(now + (report.exact ? report.inMs : Math.min(w.windowMs ?? report.inMs, report.inMs)));
      }
      // This answer's upload opened the upstream's window: ours may not reopen before it surely ended.
      if (upstreamUsed === w.cost && w.windowMs !== undefined && (!report.exact || report.inMs <= w.windowMs + 1_000)) hold(record, name, now + w.windowMs);
    }
    change.pauseMs.forEach((ms, subject) => {
      if (ms > 0) records[subject]![`pause`] = String(Math.max(num(records[subject]!, 'pause'), now + ms));
    });
    for (const [subject, field, value] of change.notes) records[subject][field] = value;
    return { pausedUntil: [num(records[0], 'pause'), num(records[1], 'pause')] };
  }

  async forget(spec: LaneSpec, what: 'pauses' | 'all'): Promise<void> {
    for (const subject of spec.subjects) {
      if (what === 'all') this.records.delete(subject);
      else delete this.records.get(subject)?.pause;
    }
  }

  async read(subjects: readonly string[]): Promise<{ now: number; records: Map<string, SubjectRecord> }> {
    return { now: this.clock(), records: new Map(subjects.map((s) => [s, { ...(this.records.get(s) ?? {}) }])) };
  }

  private recordsOf(spec: LaneSpec): [SubjectRecord, SubjectRecord] {
    const of = (subject: string) => {
      let record = this.records.get(subject);
      if (!record) this.records.set(subject, (record = {}));
      return record;
    };
    return [of(spec.subjects[0]), of(spec.subjects[1])];
  }
}

/** The end of a window in which a reservation is counted in the next window too: a tenth of it, at most a second. */
export function edgeMs(windowMs: number): number {
  return Math.min(1_000, windowMs / 10);
}

/** Raises a window's not-before time, keeping a later one (answers may be reconciled out of order). */
function hold(record: SubjectRecord, name: string, at: number): void {
  record[`${name}|nb`] = String(Math.max(num(record, `${name}|nb`), at));
}
