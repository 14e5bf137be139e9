import { once } from 'node:events';
import type { Server } from 'node:http';
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
  const logger = options.logger ?? createLogger(config.log.level);
  const metrics = createMetrics();
  const backend = await openBackend(config);
  const held = await HeldPayloadStore.open();
  const keys = await createKeyRegistry(config, backend, { clock });
  const badKeys = createBadKeyGuard(config, backend, { clock });
  const admission = createAdmission(config, backend, { clock, metrics, logger });
  const upstream = createUpstreamClient({ url: config.upstream.url, timeoutMs: config.upstream.timeout, payloads: backend.payloads, metrics });
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

  const app = createApp({ config, backend, held, registry: keys, badKeys, admission, queue, callbacks, metrics, logger, clock });
  const server = app.listen(config.server.port, config.server.host);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const host = config.server.host === '0.0.0.0' || config.server.host === '::' ? '127.0.0.1' : config.server.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  logger.info({ url, store: backend.kind, lanes: config.upstream.lanes.length }, 'upgate listening');

  let closing: Promise<void> | undefined;
  const close = (graceMs = 10_000) =>
    (closing ??= (async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await queue.stop(graceMs);
      // Keep-alive connections go as soon as their last answer is out; whatever is left after the grace is cut.
      const sweep = setInterval(() => server.closeIdleConnections(), 50);
      server.closeIdleConnections();
      await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, graceMs).unref())]);
      clearInterval(sweep);
      server.closeAllConnections();
      await closed;
      await callbacks.close();
      await upstream.close();
      await keys.close();
      await backend.close();
      await held.close();
    })());

  return { url, app, server, config, metrics, keys, admission, queue, logger, close };
}
