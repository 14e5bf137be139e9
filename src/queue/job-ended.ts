import type { Metrics } from '../ops/metrics.js';
import type { CallbackSender } from './callbacks.js';
import type { JobRecord } from './job-record.js';
import type { JobOutcome } from './job-store.js';

export interface JobEndDeps {
  metrics: Metrics;
  callbacks?: CallbackSender | undefined;
}

/**
 * What follows the end of a job, whoever ended it (the dispatcher, the cut-through, an operator's
 * cancel): it is counted, and a client that asked for a callback is told. Only the call whose finish
 * ended the job reports it (the first end wins), so each job is counted and called back once.
 */
export function reportJobEnded(deps: JobEndDeps, job: JobRecord, outcome: JobOutcome): void {
  deps.metrics.jobsFinished.inc({ key: job.keyId, outcome: outcome.status, code: outcome.status === 'failed' ? (outcome.error?.code ?? 0) : 0 });
  if (!job.callbackUrl || !deps.callbacks) return;
  const body = outcome.status === 'done' ? { id: job.id, status: 'done', data: outcome.result } : { id: job.id, status: 'failed', error: outcome.error };
  deps.callbacks.send(job.callbackUrl, body, job.keyId);
}
