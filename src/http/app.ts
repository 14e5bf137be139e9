import express, { type Express } from 'express';
import type { RequestListener } from 'node:http';
import type { Clock } from '../clock.js';
import type { Config } from '../config/schema.js';
import type { BadKeyGuard } from '../keys/bad-key-guard.js';
import type { KeyRegistry } from '../keys/types.js';
import type { Logger } from '../ops/logger.js';
import type { Metrics } from '../ops/metrics.js';
import type { SharedTotals } from '../ops/shared-totals.js';
import type { UsageHistoryStore } from '../ops/usage-history.js';
import type { CallbackSender } from '../queue/callbacks.js';
import type { UploadQueue } from '../queue/types.js';
import type { Admission } from '../quota/types.js';
import type { StoreBackend } from '../store/backend.js';
import type { PayloadStore } from '../store/payload-store.js';
import { dashboardRouter } from '../dashboard/router.js';
import { createAdminRouter } from './admin/router.js';
import { corsMiddleware, corsPaths } from './cors.js';
import { metricsHandler } from '../ops/metrics-route.js';
import { errorAnswer, errorMiddleware, notFoundHandler } from './error-middleware.js';
import { openApiDocument } from './openapi.js';
import { requestLog } from './request-log.js';
import { uploadPaths } from './response-format.js';
import { creditsHandler } from './routes/credits.js';
import { livenessHandler, readinessHandler } from './routes/health.js';
import { homeHandler } from './routes/home.js';
import { jobHandler } from './routes/jobs.js';
import { requireUpstream } from './routes/require-upstream.js';
import { uploadHandler } from './routes/upload.js';
import { withUploadFastPath } from './upload-fast-path.js';

export interface AppDeps {
  config: Config;
  backend: StoreBackend;
  /** Buffers of the uploads this process may forward straight (see the upload route). */
  held: PayloadStore;
  registry: KeyRegistry;
  badKeys: BadKeyGuard;
  admission: Admission;
  queue: UploadQueue;
  callbacks: CallbackSender;
  metrics: Metrics;
  /** Operator-facing totals shared by every instance on the store. */
  totals: SharedTotals;
  logger: Logger;
  clock: Clock;
  /** Per-minute usage per key and lane, for /admin/usage/history. */
  history: UsageHistoryStore;
}

/**
 * Every route of the gateway: `app` (Express) holds them all; `listener`, what the server runs, hands
 * uploads to the same handlers without Express's per-request set-up (see upload-fast-path.ts). Upload
 * routes read their own bodies (streaming), so no global body parser.
 */
export function createApp(deps: AppDeps): { app: Express; listener: RequestListener } {
  const { config, metrics } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  const log = requestLog(deps.logger, { trustProxy: config.server.trustProxy });
  app.use(log);

  const cors = corsMiddleware({ config, registry: deps.registry });
  app.use(corsPaths, cors);
  const upload = uploadHandler({ ...deps, payloads: deps.backend.payloads, held: deps.held, uploads: deps.queue });
  const upstreamConfigured = requireUpstream(config);
  for (const path of uploadPaths) app.post(path, upstreamConfigured, upload);
  app.get(['/3/credits', '/3/credits.json'], creditsHandler(deps));
  app.get('/3/jobs/:id', jobHandler({ ...deps, uploads: deps.queue }));

  app.get('/', homeHandler(config, deps.backend));
  app.get('/healthz', livenessHandler);
  app.get('/readyz', readinessHandler(deps.backend, config));
  // With a listener of its own (metrics.port), /metrics is not served here.
  if (config.metrics.port === null) app.get('/metrics', metricsHandler(metrics, deps.queue, config.metrics.token));
  app.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument);
  });
  app.use('/dashboard', dashboardRouter());
  app.use(
    '/admin',
    createAdminRouter({
      token: config.admin.token,
      keys: deps.registry,
      admission: deps.admission,
      queue: deps.queue,
      metrics,
      totals: deps.totals,
      defaultPolicy: config.quotas.policy,
      badKeys: deps.badKeys,
      trustProxy: config.server.trustProxy,
      logger: deps.logger,
      history: deps.history,
      clock: deps.clock,
    }),
  );

  app.use(notFoundHandler);
  app.use(errorMiddleware(deps.logger));
  return { app, listener: withUploadFastPath(app, [log, cors, upstreamConfigured, upload], errorAnswer(deps.logger)) };
}
