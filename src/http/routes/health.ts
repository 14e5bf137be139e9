import type { Request, Response } from 'express';
import type { Config } from '../../config/schema.js';
import type { StoreBackend } from '../../store/backend.js';
import { noUpstreamReason } from './require-upstream.js';

/** GET /healthz: the process is up and serving. */
export function livenessHandler(_req: Request, res: Response): void {
  res.json({ status: 'ok' });
}

/**
 * GET /readyz: the store answers and uploads can go somewhere (config is loaded, or the process
 * would not be running). A gateway without lanes is not ready for uploads, and says why.
 */
export function readinessHandler(backend: StoreBackend, config: Config) {
  const uploads = noUpstreamReason(config) ?? 'ok';
  return async (_req: Request, res: Response): Promise<void> => {
    const store = backend.kind === 'memory' ? 'ok' : await backend.redis.ping().then(() => 'ok', () => 'unreachable');
    const ready = store === 'ok' && uploads === 'ok';
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', store, config: 'loaded', uploads });
  };
}
