import { once } from 'node:events';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import type { Config } from './config/schema.js';
import { systemClock, type Clock } from './clock.js';
import { createApp } from './http/app.js';
import { createBadKeyGuard } from './keys/bad-key-guard.js';
import { createKeyRegistry } from './keys/registry.js';
import type { KeyRegistry } from './keys/types.js';
import { createLogger, type Logger } from './ops/logger.js';
import { createMetrics, type Metrics } from './ops/metrics.js';
import { createSharedTotals } from './ops/shared-totals.js';
import { metricsApp, metricsHandler } from './ops/metrics-route.js';
import { recordHistoryFromMetrics } from './ops/usage-history.js';
import { openUsageHistory } from './ops/usage-history-stores.js';
import { createCallbackSender } from './queue/callbacks.js';
import type { UploadQueue } from './queue/types.js';
import { createUploadQueue } from './queue/upload-queue.js';
import { createAdmission } from './quota/admission.js';
import type { Admission } from './quota/types.js';
import { openBackend } from './store/backend.js';
import { HeldPayloadStore } from './store/held-payload-store.js';
import { createUpstreamClient } from './upstream/client.js';

export interface GatewayOptions {
  config: Config;
  /** Time source of every window decision (tests inject one). Default: Date.now. */
  clock?: Clock;
  logger?: Logger;
}

export interface Gateway {
  /** Base URL it listens on, e.g. http://127.0.0.1:8080. */
  url: string;
  /** Where GET /metrics is served (on `url`, or on metrics.port). */
  metricsUrl: string;
  app: Express;
  server: Server;
  config: Config;
  metrics: Metrics;
  keys: KeyRegistry;
  admission: Admission;
  queue: UploadQueue;
  logger: Logger;
  /** Stops accepting, lets in-flight forwards finish or go back to the queue, closes the store. */
  close(graceMs?: number): Promise<void>;
}

/** Builds every component from the config, starts the dispatcher and listens on server.host:port. */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const { config } = options;
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createLogger(config.log.level, undefined, { format: config.log.format });
  const held = await HeldPayloadStore.open();
  const metrics = createMetrics({ keyLabels: config.metrics.keyLabels, heldBytes: () => held.bytes });
  const backend = await openBackend(config, { onMisconfigured: (error) => logger.error({ err: error }, `store misconfigured: ${error.message}`) });
  const history = await openUsageHistory(backend, {
    retentionMs: config.history.retention,
    clock,
    onError: (error) => {
      metrics.storeErrors.inc({ operation: 'history' });
      logger.warn({ err: error }, 'could not write usage history; kept to retry');
    },
  });
  recordHistoryFromMetrics(metrics, history);
  const keys = await createKeyRegistry(config, backend, { clock });
  const badKeys = createBadKeyGuard(config, backend, { clock });
  const admission = createAdmission(config, backend, { clock, metrics, logger });
  const totals = createSharedTotals(backend, { metrics, logger });
  const upstream = createUpstreamClient({ url: config.upstream.url, timeoutMs: config.upstream.timeout, payloads: backend.payloads, metrics, totals });
  const { callbacks: callbackConfig } = config.queue;
  const callbacks = createCallbackSender({ allow: callbackConfig.allow, attempts: callbackConfig.attempts, secret: callbackConfig.secret, logger, metrics });
  const queue = await createUploadQueue({
    config,
    backend,
    upstream,
    weightOf: async (keyId) => (await keys.get(keyId))?.weight ?? 1,
    metrics,
    logger,
    clock,
    callbacks,
    held,
  });
  await queue.start();

  const { app, listener } = createApp({ config, backend, held, registry: keys, badKeys, admission, queue, callbacks, metrics, totals, logger, clock, history });
  const server = await listen(listener, config.server.host, config.server.port, config.server);
  const url = baseUrl(server, config.server.host);
  const metricsServer =
    config.metrics.port === null ? undefined : await listen(metricsApp(metricsHandler(metrics, queue, config.metrics.token)), config.metrics.host ?? config.server.host, config.metrics.port, config.server);
  const metricsUrl = metricsServer ? `${baseUrl(metricsServer, config.metrics.host ?? config.server.host)}/metrics` : `${url}/metrics`;
  logger.info({ url, metrics: metricsUrl, store: backend.kind, lanes: config.upstream.lanes.length }, 'upgate listening');
  if (config.upstream.lanes.length === 0) logger.warn('no upstream lanes configured: uploads are refused with 503 until upstream.lanes or UPSTREAM_CLIENT_ID is set');

  let closing: Promise<void> | undefined;
  const close = (graceMs = 10_000) =>
    (closing ??= (async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      metricsServer?.closeAllConnections();
      const metricsClosed = metricsServer && new Promise<void>((resolve) => metricsServer.close(() => resolve()));
      await queue.stop(graceMs);
      // Keep-alive connections go as soon as their last answer is out; whatever is left after the grace is cut.
      const sweep = setInterval(() => server.closeIdleConnections(), 50);
      server.closeIdleConnections();
      await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, graceMs).unref())]);
      clearInterval(sweep);
      server.closeAllConnections();
      await closed;
      await metricsClosed;
      await callbacks.close();
      await upstream.close();
      await keys.close();
      await admission.close();
      await history.close();
      await totals.close();
      await backend.close();
      await held.close();
    })());

  return { url, metricsUrl, app, server, config, metrics, keys, admission, queue, logger, close };
}

/**
 * An HTTP server for `app` with the configured timeouts: a client that sends its headers (or its
 * whole request) too slowly is cut off, so slow connections cannot pile up (slowloris). The
 * timeouts are checked every second, at most, instead of Node's default 30 s.
 */
async function listen(app: RequestListener, host: string, port: number, timeouts: Pick<Config['server'], 'headersTimeout' | 'requestTimeout'>): Promise<Server> {
  const server = createServer(
    { headersTimeout: timeouts.headersTimeout, requestTimeout: timeouts.requestTimeout, connectionsCheckingInterval: Math.min(1_000, timeouts.headersTimeout) },
    app,
  );
  server.listen(port, host);
  await once(server, 'listening');
  return server;
}

function baseUrl(server: Server, listenHost: string): string {
  const { port } = server.address() as AddressInfo;
  const host = listenHost === '0.0.0.0' || listenHost === '::' ? '127.0.0.1' : listenHost;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}
