import express, { Router } from 'express';
import type { QuotaPolicy } from '../../config/schema.js';
import { GatewayError } from '../../errors/catalogue.js';
import type { BadKeyGuard } from '../../keys/bad-key-guard.js';
import type { KeyRegistry } from '../../keys/types.js';
import type { Logger } from '../../ops/logger.js';
import type { Clock } from '../../clock.js';
import type { Metrics } from '../../ops/metrics.js';
import type { SharedTotals } from '../../ops/shared-totals.js';
import type { UsageHistoryStore } from '../../ops/usage-history.js';
import type { UploadQueue } from '../../queue/types.js';
import type { Admission } from '../../quota/types.js';
import { adminAuth } from './auth.js';
import { keysRoutes } from './keys-routes.js';
import { statusRoutes } from './status-routes.js';
import { operatorRoutes } from './operator-routes.js';
import { usageHistoryRoutes } from './usage-history-routes.js';

export interface AdminDeps {
  /** The admin bearer token; null disables the admin API (every route answers 404). */
  token: string | null;
  keys: KeyRegistry;
  admission: Admission;
  queue: UploadQueue;
  metrics: Metrics;
  totals: SharedTotals;
  /** The gateway's quota policy, shown for keys without their own. Default `all`. */
  defaultPolicy?: QuotaPolicy;
  /** Wrong tokens count as failed attempts here, as bad API keys do. */
  badKeys: BadKeyGuard;
  /** server.trustProxy, to find the client IP of a failed login. */
  trustProxy: readonly string[];
  logger: Logger;
  history: UsageHistoryStore;
  /** Time of the history's "now". Default Date.now. */
  clock?: Clock;
}

/** The admin API, mounted at /admin. Errors go to the app's one error middleware. */
export function createAdminRouter(deps: AdminDeps): Router {
  const router = Router();
  const { token } = deps;
  if (token === null) {
    router.use(() => {
      throw new GatewayError('notFound', { message: 'admin API disabled' });
    });
    return router;
  }
  const routeDeps = { ...deps, defaultPolicy: deps.defaultPolicy ?? 'all' };
  router.use(adminAuth(token, { badKeys: deps.badKeys, trustProxy: deps.trustProxy, logger: deps.logger }), express.json({ limit: '64kb' }));
  router.use('/keys', keysRoutes(routeDeps));
  router.use(operatorRoutes({ queue: deps.queue, clock: deps.clock ?? Date.now }));
  router.use('/usage/history', usageHistoryRoutes({ history: deps.history, clock: deps.clock ?? Date.now }));
  router.use(statusRoutes(routeDeps));
  return router;
}
