import { Router } from 'express';
import type { QuotaPolicy } from '../../config/schema.js';
import { GatewayError } from '../../errors/catalogue.js';
import type { KeyRegistry } from '../../keys/types.js';
import type { SharedTotals } from '../../ops/shared-totals.js';
import type { UploadQueue } from '../../queue/types.js';
import type { Admission } from '../../quota/types.js';
import { jobsQuery, parseInput } from './body.js';

export interface StatusDeps {
  keys: KeyRegistry;
  admission: Admission;
  queue: UploadQueue;
  /** The dashboard's totals, counted by every instance on the store (not this process's metrics). */
  totals: SharedTotals;
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

  // Jobs accepted for another upstream wait until an operator says they may go to this one.
  router.post('/jobs/release-held', async (_req, res) => {
    res.json(await queue.releaseHeld());
  });

  router.get('/jobs/:id', async (req, res) => {
    const job = await queue.inspect(req.params.id);
    if (!job) throw new GatewayError('notFound', { message: `no job "${req.params.id}"` });
    res.json(job);
  });

  // Everything the dashboard shows, in one poll, so its panels always agree with each other.
  router.get('/overview', async (_req, res) => {
    const [usageView, lanes, stats, failures, totals] = await Promise.all([
      usage(deps),
      queue.lanes(),
      queue.stats(),
      queue.list({ status: 'failed', limit: recentFailures }),
      deps.totals.read(),
    ]);
    res.json({ now: Date.now(), ...usageView, lanes, queue: stats, failures, uploads: totals.uploads, upstream: totals.upstream });
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
