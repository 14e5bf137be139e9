import type { Request, Response } from 'express';
import type { Config } from '../../config/schema.js';
import { GatewayError } from '../../errors/catalogue.js';
import type { BadKeyGuard } from '../../keys/bad-key-guard.js';
import type { KeyRegistry } from '../../keys/types.js';
import { setQuotaHeaders } from '../../quota/headers.js';
import type { Admission } from '../../quota/types.js';
import type { JobView, UploadService } from '../../uploads/types.js';
import { authenticate } from '../authenticate.js';
import { clientIp } from '../client-ip.js';

/**
 * GET /3/jobs/:id, for the key that submitted the job only (others get 404, so job ids leak nothing).
 * A finished job answers the same `data` as a synchronous v3 success, with the job beside it.
 */
export function jobHandler(deps: { config: Config; registry: KeyRegistry; badKeys: BadKeyGuard; admission: Admission; uploads: UploadService }) {
  return async (req: Request, res: Response): Promise<void> => {
    const ip = clientIp(req, deps.config.server.trustProxy);
    const { key } = await authenticate(req, { registry: deps.registry, badKeys: deps.badKeys, clientIp: ip });
    res.locals.keyId = key.id;
    setQuotaHeaders(res, await deps.admission.usage(key, ip));
    const job = await deps.uploads.get(String(req.params.id), key.id);
    if (!job) throw new GatewayError('notFound', { message: 'No such job for this key' });
    res.json({ data: jobData(job), job: { id: job.id, status: job.status }, success: true, status: 200 });
  };
}

function jobData(job: JobView): object {
  if (job.status === 'done' && job.result) return job.result;
  const { result: _result, ...view } = job;
  return view;
}
