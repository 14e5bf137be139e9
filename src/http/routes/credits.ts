import type { Request, Response } from 'express';
import { creditsData } from '../../quota/headers.js';
import { identifyCaller, showQuota, type KeyedRouteDeps } from './keyed-request.js';

/** GET /3/credits: the key's and the client IP's windows, Imgur-style, without charging anything. */
export function creditsHandler(deps: KeyedRouteDeps) {
  return async (req: Request, res: Response): Promise<void> => {
    const { key, ip } = await identifyCaller(req, res, deps);
    const windows = await deps.admission.usage(key, ip);
    showQuota(res, deps, windows);
    res.json({ data: creditsData(windows), success: true, status: 200 });
  };
}
