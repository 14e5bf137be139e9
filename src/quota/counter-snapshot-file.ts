import { readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { WindowCount } from './plan.js';

/** What the embedded store's counters look like on disk: window counters and the busiest-IP scores. */
export interface CounterSnapshot {
  counters: Array<[id: string, count: WindowCount]>;
  recentIps: Array<[ip: string, score: number]>;
}

/** Changes within this long of each other go to disk in one write. */
const coalesceMs = 100;

/**
 * The embedded store's quota counts in `<spoolDir>/quota.json`, so a restart keeps what keys and IPs
 * have used. Written behind the decisions (they stay synchronous and in memory): each change schedules
 * a write, changes arriving meanwhile join the next one, and each write goes aside and is renamed,
 * so a crash leaves the previous snapshot whole. A crash loses at most the last ~100 ms of counts.
 */
export class CounterSnapshotFile {
  private writing: Promise<void> | undefined;
  private dirty = false;

  constructor(
    private readonly file: string,
    private readonly snapshot: () => CounterSnapshot,
  ) {}

  /** The saved counts; entries that are not finite, whole, non-negative numbers are dropped (never trusted). */
  load(): CounterSnapshot {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(this.file, 'utf8'));
    } catch {
      // None yet, or unreadable (a crash mid-write cannot cause this: writes are renamed into place).
      return { counters: [], recentIps: [] };
    }
    const saved = (typeof raw === 'object' && raw !== null ? raw : {}) as Partial<Record<keyof CounterSnapshot, unknown>>;
    const counters = entries(saved.counters).flatMap(([id, count]) => {
      const { used, resetAt } = (typeof count === 'object' && count !== null ? count : {}) as Partial<WindowCount>;
      return typeof id === 'string' && isCount(used) && isCount(resetAt) ? [[id, { used, resetAt }] as [string, WindowCount]] : [];
    });
    const recentIps = entries(saved.recentIps).flatMap(([ip, score]) => (typeof ip === 'string' && isCount(score) ? [[ip, score] as [string, number]] : []));
    return { counters, recentIps };
  }

  /** Schedules a write of the current counts. */
  changed(): void {
    this.dirty = true;
    this.writing ??= this.drain();
  }

  /** Waits for the last write. */
  async close(): Promise<void> {
    await this.writing;
  }

  private async drain(): Promise<void> {
    try {
      while (this.dirty) {
        await sleep(coalesceMs);
        this.dirty = false;
        const text = JSON.stringify(this.snapshot());
        const temporary = `${this.file}.${process.pid}.tmp`;
        await writeFile(temporary, text, { mode: 0o600 });
        await rename(temporary, this.file);
      }
    } catch {
      // A failed write leaves the previous snapshot; the next change tries again.
    } finally {
      this.writing = undefined;
    }
  }
}

function entries(value: unknown): Array<[unknown, unknown]> {
  return Array.isArray(value) ? value.filter((entry): entry is [unknown, unknown] => Array.isArray(entry) && entry.length === 2) : [];
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
