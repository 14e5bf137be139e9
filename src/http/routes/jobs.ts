import type { Request, Response } from 'express';
import { GatewayError } from '../../errors/catalogue.js';
import type { JobView, UploadService } from '../../uploads/types.js';
import { identifyCaller, showQuota, type KeyedRouteDeps } from './keyed-request.js';

/**
 * GET /3/jobs/:id, for the key that submitted the job only (others get 404, so job ids leak nothing).
 * A finished job answers the same `data` as a synchronous v3 success, with the job beside it.
 */
export function jobHandler(deps: KeyedRouteDeps & { uploads: UploadService }) {
  return async (req: Request, res: Response): Promise<void> => {
    const { key, ip } = await identifyCaller(req, res, deps);
    showQuota(res, deps, await deps.admission.usage(key, ip));
    const job = await deps.uploads.get(String(req.params.id), key.id);
    if (!job) throw new GatewayError('notFound', { message: 'No such job for this key' });
    res.locals.jobId = job.id;
    res.json({ data: jobData(job), job: { id: job.id, status: job.status }, success: true, status: 200 });
  };
}

function jobData(job: JobView): object {
  if (job.status === 'done' && job.result) return job.result;
  const { result: _result, ...view } = job;
  return view;
}
