import type { Request, Response } from 'express';
import type { StoreBackend } from '../../store/backend.js';

/** GET /healthz: the process is up and serving. */
export function livenessHandler(_req: Request, res: Response): void {
  res.json({ status: 'ok' });
}

/**
 * GET /readyz: the store can serve requests — in Redis mode one real call of the admission script
 * (PING passes on a wrong deployment, e.g. a Cluster node without a Cluster client). Config is
 * loaded, or the process would not be running.
 */
export function readinessHandler(backend: StoreBackend) {
  return async (_req: Request, res: Response): Promise<void> => {
    const health = await backend.health();
    const ready = health.state === 'ok';
    res.status(ready ? 200 : 503).json({
      status: ready ? 'ready' : 'not ready',
      store: health.state,
      ...(health.state === 'misconfigured' && { reason: health.reason }),
      config: 'loaded',
    });
  };
}
