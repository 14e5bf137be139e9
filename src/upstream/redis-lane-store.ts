import { runScript, type RedisClient } from '../redis/connect.js';
import type { RedisKeys } from '../redis/keys.js';
import type { SubjectRecord } from './lane-record.js';
import type { LaneSpec } from './lane-spec.js';
import type { LaneChange, LaneStore, ReserveOutcome } from './lane-store.js';

type Arg = string | number;

/**
 * Lane budgets in Redis: reserve and reconcile are one script each (reserveLane-n.lua,
 * reconcileLane-n.lua), taking time from Redis, so instances with skewed clocks agree. These
 * scripts replace rate-limiter-flexible here: a reservation must judge every window of two
 * subjects, a pause and a window-edge hold, and charge all or none, which separate limiters'
 * consume/reward could only do in one round trip per window, with give-backs racing other instances.
 */
export class RedisLaneStore implements LaneStore {
  private readonly fixedBySpec = new WeakMap<LaneSpec, { keys: string[]; windows: Arg[] }>();

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
  ) {}

  async reserve(spec: LaneSpec): Promise<ReserveOutcome> {
    const { keys, windows } = this.fixed(spec);
    const reply = await runScript<Array<number | string>>(this.redis, 'reserveLane', keys, [...windows, spec.ttlMs]);
    if (Number(reply[0]) !== 1) return { ok: false, retryInMs: Math.max(1, Number(reply[1])) };
    return { ok: true, opened: reply.slice(3).map(String) };
  }

  async reconcile(spec: LaneSpec, change: LaneChange): Promise<{ pausedUntil: [number, number] }> {
    const { keys, windows } = this.fixed(spec);
    const args: Arg[] = [...windows, spec.ttlMs, change.refund ? 1 : 0, change.accepted ? 1 : 0, ...change.othersInFlight, change.opened.length, ...change.opened, change.reports.length];
    for (const r of change.reports) args.push(r.subject, r.name, r.learned ? 1 : 0, r.limit ?? -1, r.remaining, Math.max(0, Math.round(r.inMs)), r.exact ? 1 : 0, r.cost);
    args.push(Math.ceil(change.pauseMs[0]), Math.ceil(change.pauseMs[1]), change.notes.length);
    for (const [subject, field, value] of change.notes) args.push(subject, field, value);
    const reply = await runScript<number[]>(this.redis, 'reconcileLane', keys, args);
    return { pausedUntil: [Number(reply[1]), Number(reply[2])] };
  }

  async forget(spec: LaneSpec, what: 'pauses' | 'all'): Promise<void> {
    const keys = this.fixed(spec).keys;
    // Both keys share the `{lanes}` slot, so one MULTI drops them together.
    const multi = this.redis.multi();
    for (const key of keys) {
      if (what === 'all') multi.del(key);
      else multi.hdel(key, 'pause');
    }
    await multi.exec();
  }

  /** One pipeline: TIME and every record, so a snapshot costs one round trip whatever the lane count. */
  async read(subjects: readonly string[]): Promise<{ now: number; records: Map<string, SubjectRecord> }> {
    const pipeline = this.redis.pipeline().time();
    for (const subject of subjects) pipeline.hgetall(this.keys.laneSubject(subject));
    const results = (await pipeline.exec()) ?? [];
    const failed = results.find(([error]) => error);
    if (failed) throw failed[0];
    const [seconds, micros] = results[0]![1] as [string, string];
    const records = new Map(subjects.map((subject, i) => [subject, (results[i + 1]![1] ?? {}) as SubjectRecord]));
    return { now: Number(seconds) * 1000 + Math.floor(Number(micros) / 1000), records };
  }

  /** A lane's keys and window arguments never change: built once per lane, not on every reserve and reconcile. */
  private fixed(spec: LaneSpec): { keys: string[]; windows: Arg[] } {
    let fixed = this.fixedBySpec.get(spec);
    if (!fixed) {
      fixed = { keys: spec.subjects.map((subject) => this.keys.laneSubject(subject)), windows: windowArgs(spec) };
      this.fixedBySpec.set(spec, fixed);
    }
    return fixed;
  }
}

function windowArgs(spec: LaneSpec): Arg[] {
  return [spec.windows.length, ...spec.windows.flatMap((w) => [w.subject, w.name, w.limit, w.windowMs, w.cost, w.keep])];
}
