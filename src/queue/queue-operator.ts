import { GatewayError } from '../errors/catalogue.js';
import type { Metrics } from '../ops/metrics.js';
import type { OperatorHolds } from '../ops/operator-holds.js';
import type { PayloadStore } from '../store/payload-store.js';
import type { SubmitOutcome, UploadRequest } from '../uploads/types.js';
import type { LanePool } from '../upstream/lane-pool.js';
import type { CallbackSender } from './callbacks.js';
import { reportJobEnded } from './job-ended.js';
import { adminJobView, storedError, uploadRequestOf } from './job-record.js';
import type { JobStore } from './job-store.js';
import type { QueueSignals } from './queue-signals.js';
import type { AdminJobView } from './types.js';

export interface QueueOperatorDeps {
  store: JobStore;
  signals: QueueSignals;
  pool: LanePool;
  holds: OperatorHolds;
  payloads: PayloadStore;
  metrics: Metrics;
  /** Where a cancelled job's callback goes (the dispatcher's sender). */
  callbacks?: CallbackSender | undefined;
  /** The queue's own submit, for a retried job's new upload. */
  submit(request: UploadRequest, options: { waitMs: number }): Promise<SubmitOutcome>;
}

/** Most finished jobs one purge removes (the rest go with the next one, or expire after resultTtl). */
const purgeBatch = 1_000;

/**
 * What an operator may do to the queue and the lanes (admin API, CLI, dashboard): hold and release
 * the queue or one lane, clear a lane's pause or counts, cancel, retry and purge jobs.
 */
export class QueueOperator {
  constructor(private readonly deps: QueueOperatorDeps) {}

  holds() {
    return this.deps.holds.current();
  }

  /** Stops (or resumes) every dispatch on every instance; accepted uploads keep queueing. */
  async pauseQueue(): Promise<void> {
    await this.deps.holds.hold('queue');
  }

  async resumeQueue(): Promise<void> {
    await this.deps.holds.release('queue');
    this.deps.signals.enqueued();
  }

  /** Holds one lane (until `untilMs`, or until resumed): its budget is left as it is. */
  async pauseLane(laneId: string, untilMs?: number): Promise<void> {
    this.lane(laneId);
    await this.deps.holds.hold(`lane:${laneId}`, untilMs);
  }

  /** Ends an operator hold and an upstream 429 pause of the lane. */
  async resumeLane(laneId: string): Promise<void> {
    this.lane(laneId);
    await this.deps.holds.release(`lane:${laneId}`);
    await this.deps.pool.budget.resume(laneId);
    this.deps.signals.enqueued();
  }

  /** Forgets what the lane has used in its windows (when the upstream was reset, or a count went wrong). */
  async resetLane(laneId: string): Promise<void> {
    this.lane(laneId);
    await this.deps.pool.budget.reset(laneId);
    this.deps.signals.enqueued();
  }

  /**
   * Ends a queued or active job as failed (1022). An active job's upload may still land upstream:
   * its answer is then ignored (the first end wins).
   */
  async cancel(jobId: string): Promise<AdminJobView> {
    const { store } = this.deps;
    const job = await this.job(jobId);
    if (job.status === 'done' || job.status === 'failed') throw new GatewayError('jobFinished', { message: `job "${jobId}" is already ${job.status}` });
    const outcome = { status: 'failed', error: storedError(new GatewayError('jobCancelled')) } as const;
    if (!(await store.finish({ job, token: '' }, outcome))) throw new GatewayError('jobFinished', { message: `job "${jobId}" ended meanwhile` });
    // Finishing released the job's payload and told its waiters (every store's finish does both);
    // its client learns of the end as from any other: counted, and called back when it asked.
    reportJobEnded(this.deps, job, outcome);
    return adminJobView((await store.get(jobId)) ?? job);
  }

  /**
   * Sends a failed job's upload again, as a new job of the same key. A failed queued job keeps its
   * bytes as long as its record, so this works for URL uploads and for image bytes alike. The bytes
   * of an upload forwarded straight from its request (cut-through) were never stored: its client
   * got the failure in its answer and must upload again.
   */
  async retry(jobId: string): Promise<AdminJobView> {
    const { store, payloads } = this.deps;
    const job = await this.job(jobId);
    if (job.status !== 'failed') throw new GatewayError('jobFinished', { message: `only failed jobs are retried; job "${jobId}" is ${job.status}` });
    if (job.source.kind === 'payload' && !(await payloads.retain(job.source.ref))) {
      throw new GatewayError('jobFinished', { message: `the image of job "${jobId}" is no longer stored: the client must upload it again` });
    }
    // The new job owns that reference. No Idempotency-Key: it would only find the failed job again.
    const request: UploadRequest = { ...uploadRequestOf(job), ...(job.callbackUrl && { callbackUrl: job.callbackUrl }) };
    const outcome = await this.deps.submit(request, { waitMs: 0 });
    const created = await store.get(outcome.job.id);
    if (!created) throw new GatewayError('notFound', { message: `the retry of job "${jobId}" is gone` });
    return adminJobView(created);
  }

  /** Forgets failed jobs now, and the payloads they kept (their records otherwise stay for resultTtl). */
  async purgeFailed(): Promise<number> {
    const failed = await this.deps.store.list({ status: 'failed', limit: purgeBatch });
    const removed = await Promise.all(failed.map((job) => this.deps.store.removeFinished(job.id)));
    return removed.filter(Boolean).length;
  }

  private lane(laneId: string): void {
    if (!this.deps.pool.lanes.some((lane) => lane.id === laneId)) throw new GatewayError('notFound', { message: `no lane "${laneId}"` });
  }

  private async job(jobId: string) {
    const job = await this.deps.store.get(jobId);
    if (!job) throw new GatewayError('notFound', { message: `no job "${jobId}"` });
    return job;
  }
}
