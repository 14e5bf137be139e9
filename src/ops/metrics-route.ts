import { createHash, timingSafeEqual } from 'node:crypto';
import express, { type Express, type RequestHandler } from 'express';
import type { UploadQueue } from '../queue/types.js';
import type { Metrics } from './metrics.js';

/**
 * GET /metrics in Prometheus text format. Key ids and lane ids are labels, so it can be guarded by
 * `metrics.token` (Bearer, compared in constant time) and/or served on a listener of its own.
 */
export function metricsHandler(metrics: Metrics, queue: UploadQueue, token: string | null): RequestHandler {
  const expected = token === null ? undefined : digest(token);
  return async (req, res) => {
    if (expected) {
      const match = /^Bearer\s+(.+)$/i.exec(req.get('authorization') ?? '');
      if (!match?.[1] || !timingSafeEqual(digest(match[1].trim()), expected)) {
        res.status(401).set('WWW-Authenticate', 'Bearer realm="metrics"').type('text/plain').send('metrics token required\n');
        return;
      }
    }
    await queue.stats(); // refreshes the queue and lane gauges
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  };
}

/** The app of a separate metrics listener (`metrics.port`): /metrics only. */
export function metricsApp(handler: RequestHandler): Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/metrics', handler);
  app.use((_req, res) => {
    res.status(404).type('text/plain').send('not found: this listener serves /metrics only\n');
  });
  return app;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
