import { Router } from 'express';
import { z } from 'zod';
import type { Clock } from '../../clock.js';
import { parseDuration } from '../../config/units.js';
import { errorCatalogue } from '../../errors/catalogue.js';
import { minuteMs, minuteOf, type UsageBucket, type UsageCounters, type UsageHistoryStore, type UsageSubject } from '../../ops/usage-history.js';
import { parseInput } from './body.js';

const id = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'ids are 1-64 letters, digits, "_", "." or "-"');

/** A point in time: ISO 8601, epoch milliseconds, or a duration back from now (`1h`, `7d`). */
const instant = z.string().transform((value, ctx) => {
  const ago = parseDuration(value);
  if (ago !== undefined && !/^\d+$/.test(value.trim())) return { ago };
  const at = /^\d+$/.test(value.trim()) ? Number(value) : Date.parse(value);
  if (Number.isFinite(at)) return { at };
  ctx.addIssue({ code: 'custom', message: `expected an ISO time, epoch ms or a duration like "1h", got ${JSON.stringify(value)}` });
  return z.NEVER;
});

const historyQuery = z.object({ key: id.optional(), lane: id.optional(), since: instant.optional(), until: instant.optional() });

/** Error codes by number, with the catalogue's first message for each, so a reader can name refusals. */
const codeNames: Record<string, string> = {};
for (const entry of Object.values(errorCatalogue)) codeNames[entry.code] ??= entry.message;

function totals(buckets: UsageBucket[]): UsageCounters {
  const sum: UsageCounters = {};
  for (const { counters } of buckets) for (const [name, value] of Object.entries(counters)) sum[name] = (sum[name] ?? 0) + value;
  return sum;
}

/**
 * GET /admin/usage/history?key=&lane=&since=&until=: per-minute buckets of one key, one lane (or
 * both, as two series), or the whole gateway when neither is given. Default: the last hour.
 */
export function usageHistoryRoutes(deps: { history: UsageHistoryStore; clock: Clock }): Router {
  const router = Router();
  router.get('/', async (req, res) => {
    const query = parseInput(historyQuery, req.query);
    const now = deps.clock();
    const resolve = (point: { ago?: number; at?: number } | undefined, fallback: number) => (point === undefined ? fallback : point.at ?? now - point.ago!);
    // Nothing older than the retention exists: reading it would only cost round trips.
    const since = minuteOf(Math.max(resolve(query.since, now - 3_600_000), now - deps.history.retentionMs));
    // The current minute is included: its counts so far.
    const until = minuteOf(resolve(query.until, now)) + minuteMs;
    const subjects: UsageSubject[] = [];
    if (query.key) subjects.push(`key:${query.key}`);
    if (query.lane) subjects.push(`lane:${query.lane}`);
    if (subjects.length === 0) subjects.push('all');
    await deps.history.flush();
    const series = await Promise.all(
      subjects.map(async (subject) => {
        const buckets = await deps.history.read(subject, since, until);
        return { subject, buckets, totals: totals(buckets) };
      }),
    );
    res.json({ since, until, stepMs: minuteMs, series, codes: codeNames });
  });
  return router;
}
