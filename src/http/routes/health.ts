import type { Request, Response } from 'express';
import type { Config } from '../../config/schema.js';
import type { StoreBackend } from '../../store/backend.js';
import { noUpstreamReason } from './require-upstream.js';

/** GET /healthz: the process is up and serving. */
export function livenessHandler(_req: Request, res: Response): void {
  res.json({ status: 'ok' });
}

/**
 * GET /readyz: the store can serve requests — in Redis mode one real call of the admission script
 * (PING passes on a wrong deployment, e.g. a Cluster node without a Cluster client) — and uploads
 * can go somewhere (a gateway without lanes is not ready for uploads, and says why). Config is
 * loaded, or the process would not be running.
 */
export function readinessHandler(backend: StoreBackend, config: Config) {
  const uploads = noUpstreamReason(config) ?? 'ok';
  return async (_req: Request, res: Response): Promise<void> => {
    const health = await backend.health();
    const ready = health.state === 'ok' && uploads === 'ok';
    res.status(ready ? 200 : 503).json({
      status: ready ? 'ready' : 'not ready',
      store: health.state,
      ...(health.state === 'misconfigured' && { reason: health.reason }),
      config: 'loaded',
      uploads,
    });
  };
}
