import type { Request, Response } from 'express';
import type { StoreBackend } from '../../store/backend.js';

/** GET /healthz: the process is up and serving. */
export function livenessHandler(_req: Request, res: Response): void {
  res.json({ status: 'ok' });
}

/** GET /readyz: the store answers (config is loaded, or the process would not be running). */
export function readinessHandler(backend: StoreBackend) {
  return async (_req: Request, res: Response): Promise<void> => {
    const store = backend.kind === 'memory' ? 'ok' : await backend.redis.ping().then(() => 'ok', () => 'unreachable');
    res.status(store === 'ok' ? 200 : 503).json({ status: store === 'ok' ? 'ready' : 'not ready', store, config: 'loaded' });
  };
}
