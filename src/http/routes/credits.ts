import type { Request, Response } from 'express';
import type { Config } from '../../config/schema.js';
import type { BadKeyGuard } from '../../keys/bad-key-guard.js';
import type { KeyRegistry } from '../../keys/types.js';
import { creditsData, setQuotaHeaders } from '../../quota/headers.js';
import type { Admission } from '../../quota/types.js';
import { authenticate } from '../authenticate.js';
import { clientIp } from '../client-ip.js';

/** GET /3/credits: the key's and the client IP's windows, Imgur-style, without charging anything. */
export function creditsHandler(deps: { config: Config; registry: KeyRegistry; badKeys: BadKeyGuard; admission: Admission }) {
  return async (req: Request, res: Response): Promise<void> => {
    const ip = clientIp(req, deps.config.server.trustProxy);
    const { key } = await authenticate(req, { registry: deps.registry, badKeys: deps.badKeys, clientIp: ip });
    res.locals.keyId = key.id;
    const windows = await deps.admission.usage(key, ip);
    setQuotaHeaders(res, windows);
    res.json({ data: creditsData(windows), success: true, status: 200 });
  };
}
