import { Router } from 'express';
import type { QuotaPolicy } from '../../config/schema.js';
import { GatewayError } from '../../errors/catalogue.js';
import type { KeyRegistry } from '../../keys/types.js';
import type { Metrics } from '../../ops/metrics.js';
import type { UploadQueue } from '../../queue/types.js';
import type { Admission } from '../../quota/types.js';
import { jobsQuery, parseInput } from './body.js';

export interface StatusDeps {
  keys: KeyRegistry;
  admission: Admission;
  queue: UploadQueue;
  metrics: Metrics;
  defaultPolicy: QuotaPolicy;
}

const topIpCount = 10;
const recentFailures = 20;

/** Read-only views: usage, lanes, the queue and its jobs, and one combined overview for the dashboard. */
export function statusRoutes(deps: StatusDeps): Router {
  const { queue } = deps;
  const router = Router();

  router.get('/usage', async (_req, res) => {
    res.json(await usage(deps));
  });

  router.get('/lanes', async (_req, res) => {
    res.json({ lanes: await queue.lanes() });
  });

  router.get('/jobs', async (req, res) => {
    const query = parseInput(jobsQuery, req.query);
    const [stats, jobs] = await Promise.all([queue.stats(), queue.list({ status: query.status, keyId: query.key, limit: query.limit })]);
    res.json({ stats, jobs });
  });

  router.get('/jobs/:id', async (req, res) => {
    const job = await queue.inspect(req.params.id);
    if (!job) throw new GatewayError('notFound', { message: `no job "${req.params.id}"` });
    res.json(job);
  });

  // Everything the dashboard shows, in one poll, so its panels always agree with each other.
  router.get('/overview', async (_req, res) => {
    const [usageView, lanes, stats, failures, uploads, upstream] = await Promise.all([
      usage(deps),
      queue.lanes(),
      queue.stats(),
      queue.list({ status: 'failed', limit: recentFailures }),
      totalsBy(deps.metrics.uploads, 'outcome'),
      totalsBy(deps.metrics.upstreamResponses, 'status'),
    ]);
    res.json({ now: Date.now(), ...usageView, lanes, queue: stats, failures, uploads, upstream });
  });

  return router;
}

async function usage({ keys, admission, defaultPolicy }: StatusDeps) {
  const records = (await keys.list()).filter((record) => !record.revoked);
  const [keyViews, topIps] = await Promise.all([
    Promise.all(
      records.map(async (record) => ({
        id: record.id,
        policy: record.quotas?.policy ?? defaultPolicy,
        weight: record.weight,
        windows: await admission.usage(record),
      })),
    ),
    admission.topIps(topIpCount),
  ]);
  return { keys: keyViews, topIps };
}

/** Sums a counter's series by one label, e.g. uploads by outcome: the dashboard derives rates from successive polls. */
async function totalsBy(counter: { get(): Promise<{ values: Array<{ value: number; labels: Record<string, string | number | undefined> }> }> }, label: string) {
  const totals: Record<string, number> = {};
  for (const { value, labels } of (await counter.get()).values) {
    const name = String(labels[label] ?? 'unknown');
    totals[name] = (totals[name] ?? 0) + value;
  }
  return totals;
}
