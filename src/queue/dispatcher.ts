import type { Config } from '../config/schema.js';
import type { Clock } from '../clock.js';
import { errorCatalogue, GatewayError } from '../errors/catalogue.js';
import type { Logger } from '../ops/logger.js';
import type { Metrics } from '../ops/metrics.js';
import type { PayloadStore } from '../store/payload-store.js';
import type { LanePool, LaneReservation } from '../upstream/lane-pool.js';
import type { Lane, UpstreamClient } from '../upstream/types.js';
import type { CallbackSender } from './callbacks.js';
import { backoffMs, forward, type ForwardVerdict } from './forward.js';
import { reportJobEnded } from './job-ended.js';
import { jobLogFields, storedError } from './job-record.js';
import type { JobOutcome, JobStore, LeasedJob } from './job-store.js';
import type { QueueSignals } from './queue-signals.js';

/** How often an idle dispatcher looks anyway: lost wake-ups, leases expired on dead instances. */
const safetyPollMs = 1_000;

export interface DispatcherDeps {
  config: Config;
  store: JobStore;
  pool: LanePool;
  upstream: UpstreamClient;
  payloads: PayloadStore;
  signals: QueueSignals;
  metrics: Metrics;
  logger: Logger;
  clock: Clock;
  callbacks?: CallbackSender;
}

/**
 * Sends queued jobs upstream, up to queue.concurrency at once per instance: reserve budget on a
 * lane, lease the fairest job, send, then settle it from the classified answer. It sleeps (never
 * spins) until a lane's budget returns, a job is enqueued or due, or the safety poll.
 */
export class Dispatcher {
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly inFlight = new Map<string, { leased: LeasedJob; done: Promise<void> }>();
  private woken = false;
  private wake: (() => void) | undefined;
  /** Jobs are known to wait (an enqueue notice, or a lease that saw others): lease without asking first. */
  private workWaiting = false;

  constructor(private readonly deps: DispatcherDeps) {
    deps.signals.onEnqueued(() => {
      this.workWaiting = true;
      this.poke();
    });
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops leasing; waits up to `graceMs` for forwards in flight, then hands the rest back to the queue. */
  async stop(graceMs: number): Promise<void> {
    this.running = false;
    this.poke();
    await this.loop;
    const pending = [...this.inFlight.values()];
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(pending.map((p) => p.done)), new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
    // Their forwards may still land: at-least-once, as documented.
    await Promise.all([...this.inFlight.values()].map((p) => this.deps.store.requeue(p.leased, this.deps.clock(), false).catch(() => false)));
  }

  private poke(): void {
    this.woken = true;
    this.wake?.();
  }

  private async run(): Promise<void> {
    const { store, pool, config, clock } = this.deps;
    while (this.running) {
      this.woken = false;
      try {
        if (this.inFlight.size >= config.queue.concurrency) {
          await this.sleep(safetyPollMs);
          continue;
        }
        if (!this.workWaiting) {
          const workAt = await store.nextWorkAt();
          if (workAt === undefined || workAt > clock()) {
            await this.sleep(workAt === undefined ? safetyPollMs : Math.min(workAt - clock(), safetyPollMs));
            continue;
          }
        }
        const grant = await pool.acquire();
        if (!grant.lane) {
          await this.sleep(Math.min(grant.retryInMs, safetyPollMs * 5));
          continue;
        }
        this.workWaiting = false;
        const leased = await store.dequeue(grant.lane.id).catch(async (error: unknown) => {
          await pool.refund(grant);
          throw error;
        });
        if (!leased) {
          // Another instance took it first.
          await pool.refund(grant);
          continue;
        }
        if (leased.more) this.workWaiting = true;
        const done = this.dispatch(leased, grant).then(
          (requeued) => this.dispatched(leased, requeued),
          () => this.dispatched(leased, true),
        );
        this.inFlight.set(leased.job.id, { leased, done });
        // The lease said nothing else waits, and when the next retry is due: no need to ask again before then.
        if (!this.workWaiting && leased.more === false) await this.sleep(Math.min(leased.nextDueInMs ?? safetyPollMs, safetyPollMs));
      } catch (error) {
        this.deps.metrics.storeErrors.inc({ operation: 'dispatch' });
        this.deps.logger.warn({ err: error }, 'dispatch step failed; retrying shortly');
        await this.sleep(safetyPollMs);
      }
    }
  }

  /** Frees the job's slot; the loop is woken only for what that changes: a slot it waited for, or a job back in the queue. */
  private dispatched(leased: LeasedJob, requeued: boolean): void {
    const wasFull = this.inFlight.size >= this.deps.config.queue.concurrency;
    this.inFlight.delete(leased.job.id);
    if (requeued || wasFull) this.poke();
  }

  /** Resolves after `ms`, or at once when poked since the loop last looked. */
  private sleep(ms: number): Promise<void> {
    if (this.woken || !this.running) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    }).then(() => {
      this.wake = undefined;
    });
  }

  /** Sends one leased job; true when it went back to the queue (a retry or a hold may be due). */
  private async dispatch(leased: LeasedJob, grant: LaneReservation): Promise<boolean> {
    const { pool, metrics, logger, config } = this.deps;
    const { job } = leased;
    const { lane } = grant;
    if (job.upstream && job.upstream !== config.upstream.url && !config.queue.recoverToNewUpstream) {
      // Accepted for another upstream: not ours to send elsewhere without being told (see reportRecovered).
      await pool.refund(grant).catch(() => {});
      if (await this.deps.store.hold(leased)) logger.warn({ ...jobLogFields(job), acceptedFor: job.upstream, upstream: config.upstream.url }, 'job held: accepted for another upstream');
      return false;
    }
    const { verdict, reconciled } = await forward(this.deps, grant, job, leased.payloadAt && { payloadAt: leased.payloadAt });
    let requeued = false;
    try {
      requeued = await this.settle(leased, lane, verdict);
    } catch (error) {
      // The lease expires and the job is dispatched again: at-least-once.
      metrics.storeErrors.inc({ operation: 'settle' });
      logger.error({ err: error, ...jobLogFields(job), lane: lane.id }, 'could not record an upstream answer');
    }
    await reconciled;
    return requeued;
  }

  /** Records what the attempt means for the job: ended, or back in the queue (true). */
  private async settle(leased: LeasedJob, lane: Lane, verdict: ForwardVerdict): Promise<boolean> {
    const attempts = leased.job.attempts + 1;
    switch (verdict.kind) {
      case 'done':
        await this.end(leased, { status: 'done', result: verdict.image, attempts });
        return false;
      case 'failed':
        await this.end(leased, { status: 'failed', error: verdict.error, attempts });
        return false;
      case 'again':
        await this.deps.store.requeue(leased, verdict.dueAt, verdict.countAttempt);
        return true;
      case 'unreadable':
        return this.settleStorageFault(leased, lane, verdict.cause);
    }
  }

  /**
   * The gateway could not read the job's own bytes back. Gone from the store, it can never succeed:
   * it fails at once; otherwise (a store hiccup) it is retried like a network failure. Either way the
   * client sees 1024 with a plain message: the cause, which may name local paths, goes to the log only.
   */
  private async settleStorageFault(leased: LeasedJob, lane: Lane, cause: unknown): Promise<boolean> {
    const { store, payloads, config, logger, metrics, clock } = this.deps;
    const { job } = leased;
    const attempts = job.attempts + 1;
    metrics.storeErrors.inc({ operation: 'payload-read' });
    const gone = job.source.kind === 'payload' && !(await payloads.has(job.source.ref).catch(() => true));
    const line = { err: cause, ...jobLogFields(job), lane: lane.id, attempts, code: errorCatalogue.gatewayStorage.code };
    if (gone || attempts >= config.upstream.attempts) {
      logger.error({ ...line, payloadMissing: gone }, 'could not read an upload back from the store; the job fails');
      const message = gone ? 'Gateway storage error: the stored upload is missing' : `Gateway storage error: the stored upload could not be read after ${attempts} attempts`;
      await this.end(leased, { status: 'failed', error: storedError(new GatewayError('gatewayStorage', { message })), attempts });
      return false;
    }
    logger.warn(line, 'could not read an upload back from the store; retrying later');
    await store.requeue(leased, clock() + backoffMs(config.upstream.retryBackoff, attempts), true);
    return true;
  }

  private async end(leased: LeasedJob, outcome: JobOutcome): Promise<void> {
    // Finishing also releases the payload and tells waiters; only the call that ended the job reports it (first answer wins).
    if (await this.deps.store.finish(leased, outcome)) reportJobEnded(this.deps, leased.job, outcome);
  }
}
