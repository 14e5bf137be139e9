import type { Config } from '../config/schema.js';
import type { Clock } from '../clock.js';
import { errorCatalogue, GatewayError } from '../errors/catalogue.js';
import type { Logger } from '../ops/logger.js';
import type { Metrics } from '../ops/metrics.js';
import type { PayloadStore } from '../store/payload-store.js';
import type { LanePool, LaneReservation } from '../upstream/lane-pool.js';
import type { Lane, UpstreamAnswer, UpstreamClient } from '../upstream/types.js';
import type { CallbackSender } from './callbacks.js';
import { reportJobEnded } from './job-ended.js';
import { jobLogFields, storedError, uploadRequestOf } from './job-record.js';
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

  constructor(private readonly deps: DispatcherDeps) {
    deps.signals.onEnqueued(() => this.poke());
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
        const workAt = await store.nextWorkAt();
        if (workAt === undefined || workAt > clock()) {
          await this.sleep(workAt === undefined ? safetyPollMs : Math.min(workAt - clock(), safetyPollMs));
          continue;
        }
        const grant = await pool.acquire();
        if (!grant.lane) {
          await this.sleep(Math.min(grant.retryInMs, safetyPollMs * 5));
          continue;
        }
        const leased = await store.dequeue(grant.lane.id).catch(async (error: unknown) => {
          await pool.refund(grant);
          throw error;
        });
        if (!leased) {
          // Another instance took it first.
          await pool.refund(grant);
          continue;
        }
        const done = this.dispatch(leased, grant).finally(() => {
          this.inFlight.delete(leased.job.id);
          this.poke();
        });
        this.inFlight.set(leased.job.id, { leased, done });
      } catch (error) {
        this.deps.metrics.storeErrors.inc({ operation: 'dispatch' });
        this.deps.logger.warn({ err: error }, 'dispatch step failed; retrying shortly');
        await this.sleep(safetyPollMs);
      }
    }
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

  private async dispatch(leased: LeasedJob, grant: LaneReservation): Promise<void> {
    const { upstream, pool, metrics, logger, clock, config } = this.deps;
    const { job } = leased;
    const { lane } = grant;
    if (job.upstream && job.upstream !== config.upstream.url && !config.queue.recoverToNewUpstream) {
      // Accepted for another upstream: not ours to send elsewhere without being told (see reportRecovered).
      await pool.refund(grant).catch(() => {});
      if (await this.deps.store.hold(leased)) logger.warn({ ...jobLogFields(job), acceptedFor: job.upstream, upstream: config.upstream.url }, 'job held: accepted for another upstream');
      return;
    }
    let answer: UpstreamAnswer;
    try {
      answer = await upstream.send(lane, uploadRequestOf(job));
    } catch (error) {
      // The client throws only for failures on our side (the payload unreadable…) before anything
      // reached the upstream: the budget goes back, and the job is never blamed on the upstream.
      await pool.refund(grant).catch(() => {});
      await this.settleStorageFault(leased, lane, error);
      return;
    }
    metrics.dispatchLatency.observe(Math.max(0, clock() - job.createdAt) / 1000);
    // The budget learns from the answer while the job is settled: the client need not wait for both.
    // After a 429 this gives the upload back and pauses the subject the answer concerns, in the same step.
    const reconciled = pool.reconcile(grant, answer).catch((error: unknown) => {
      metrics.storeErrors.inc({ operation: 'reconcile' });
      logger.warn({ err: error, lane: lane.id }, 'could not reconcile a lane budget');
      return {} as { pausedUntil?: number };
    });
    try {
      await this.settle(leased, lane, answer, reconciled);
    } catch (error) {
      // The lease expires and the job is dispatched again: at-least-once.
      metrics.storeErrors.inc({ operation: 'settle' });
      logger.error({ err: error, ...jobLogFields(job), lane: lane.id }, 'could not record an upstream answer');
    }
    await reconciled;
  }

  private async settle(leased: LeasedJob, lane: Lane, answer: UpstreamAnswer, reconciled: Promise<{ pausedUntil?: number }>): Promise<void> {
    const { store, config, logger, clock } = this.deps;
    const { job } = leased;
    const attempts = job.attempts + 1;
    const line = { ...jobLogFields(job), lane: lane.id, outcome: answer.kind, attempts };
    switch (answer.kind) {
      case 'ok':
        logger.info(line, 'dispatched');
        return this.end(leased, { status: 'done', result: answer.image, attempts });
      case 'rejected': {
        const error = new GatewayError('upstreamFailed', { message: answer.message });
        logger.info({ ...line, upstreamStatus: answer.status, code: error.code }, 'dispatched');
        return this.end(leased, { status: 'failed', error: storedError(error), attempts });
      }
      case 'rate-limited': {
        const { pausedUntil } = await reconciled;
        logger.warn({ ...line, attempts: job.attempts, until: pausedUntil && new Date(pausedUntil).toISOString(), message: answer.message }, 'upstream answered 429; lane paused');
        await store.requeue(leased, clock(), false);
        return;
      }
      case 'retryable': {
        if (attempts >= config.upstream.attempts) {
          const error = new GatewayError(answer.timeout ? 'upstreamTimeout' : 'upstreamFailed', { message: `${answer.timeout ? 'Upstream timed out' : 'Upstream failed'} after ${attempts} attempts: ${answer.message}` });
          logger.warn({ ...line, code: error.code, reason: answer.message }, 'dispatched');
          return this.end(leased, { status: 'failed', error: storedError(error), attempts });
        }
        logger.info({ ...line, reason: answer.message }, 'dispatched; retrying later');
        await store.requeue(leased, clock() + backoffMs(config.upstream.retryBackoff, attempts), true);
        return;
      }
    }
  }

  /**
   * The gateway could not read the job's own bytes back. Gone from the store, it can never succeed:
   * it fails at once; otherwise (a store hiccup) it is retried like a network failure. Either way the
   * client sees 1024 with a plain message: the cause, which may name local paths, goes to the log only.
   */
  private async settleStorageFault(leased: LeasedJob, lane: Lane, cause: unknown): Promise<void> {
    const { store, payloads, config, logger, metrics, clock } = this.deps;
    const { job } = leased;
    const attempts = job.attempts + 1;
    metrics.storeErrors.inc({ operation: 'payload-read' });
    const gone = job.source.kind === 'payload' && !(await payloads.has(job.source.ref).catch(() => true));
    const line = { err: cause, ...jobLogFields(job), lane: lane.id, attempts, code: errorCatalogue.gatewayStorage.code };
    if (gone || attempts >= config.upstream.attempts) {
      logger.error({ ...line, payloadMissing: gone }, 'could not read an upload back from the store; the job fails');
      const message = gone ? 'Gateway storage error: the stored upload is missing' : `Gateway storage error: the stored upload could not be read after ${attempts} attempts`;
      return this.end(leased, { status: 'failed', error: storedError(new GatewayError('gatewayStorage', { message })), attempts });
    }
    logger.warn(line, 'could not read an upload back from the store; retrying later');
    await store.requeue(leased, clock() + backoffMs(config.upstream.retryBackoff, attempts), true);
  }

  private async end(leased: LeasedJob, outcome: JobOutcome): Promise<void> {
    // Finishing also releases the payload and tells waiters; only the call that ended the job reports it (first answer wins).
    if (await this.deps.store.finish(leased, outcome)) reportJobEnded(this.deps, leased.job, outcome);
  }
}

/** Doubling backoff with "equal jitter": half fixed, half random, so retries of many jobs spread out. */
export function backoffMs(firstMs: number, attempt: number): number {
  const base = firstMs * 2 ** (attempt - 1);
  return base / 2 + Math.random() * (base / 2);
}
