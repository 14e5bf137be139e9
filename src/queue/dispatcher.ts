import type { Config } from '../config/schema.js';
import type { Clock } from '../clock.js';
import { GatewayError } from '../errors/catalogue.js';
import type { Logger } from '../ops/logger.js';
import type { Metrics } from '../ops/metrics.js';
import type { PayloadStore } from '../store/payload-store.js';
import type { LanePool, LaneReservation } from '../upstream/lane-pool.js';
import type { Lane, UpstreamAnswer, UpstreamClient } from '../upstream/types.js';
import type { CallbackSender } from './callbacks.js';
import { storedError, uploadRequestOf } from './job-record.js';
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
    const { upstream, pool, metrics, logger, clock } = this.deps;
    const { job } = leased;
    const { lane } = grant;
    let answer: UpstreamAnswer;
    try {
      answer = await upstream.send(lane, uploadRequestOf(job));
    } catch (error) {
      // The client throws only for failures on our side (e.g. the payload unreadable) before anything
      // reached the upstream: give the budget back, and retry like any other transient failure.
      await pool.refund(grant).catch(() => {});
      answer = { kind: 'retryable', message: (error as Error).message, timeout: false, limits: {} };
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
      logger.error({ err: error, job: job.id }, 'could not record an upstream answer');
    }
    await reconciled;
  }

  private async settle(leased: LeasedJob, lane: Lane, answer: UpstreamAnswer, reconciled: Promise<{ pausedUntil?: number }>): Promise<void> {
    const { store, config, logger, clock } = this.deps;
    const { job } = leased;
    switch (answer.kind) {
      case 'ok':
        return this.end(leased, { status: 'done', result: answer.image });
      case 'rejected':
        return this.end(leased, { status: 'failed', error: storedError(new GatewayError('upstreamFailed', { message: answer.message })) });
      case 'rate-limited': {
        const { pausedUntil } = await reconciled;
        logger.warn({ lane: lane.id, until: pausedUntil && new Date(pausedUntil).toISOString(), message: answer.message, job: job.id }, 'upstream answered 429; lane paused');
        await store.requeue(leased, clock(), false);
        return;
      }
      case 'retryable': {
        const attempts = job.attempts + 1;
        if (attempts >= config.upstream.attempts) {
          const error = new GatewayError(answer.timeout ? 'upstreamTimeout' : 'upstreamFailed', { message: `${answer.timeout ? 'Upstream timed out' : 'Upstream failed'} after ${attempts} attempts: ${answer.message}` });
          return this.end(leased, { status: 'failed', error: storedError(error) });
        }
        await store.requeue(leased, clock() + backoffMs(config.upstream.retryBackoff, attempts), true);
        return;
      }
    }
  }

  private async end(leased: LeasedJob, outcome: JobOutcome): Promise<void> {
    const { store, callbacks } = this.deps;
    const { job } = leased;
    // Finishing also releases the payload and tells waiters; only the call that ended the job reports it (first answer wins).
    if (!(await store.finish(leased, outcome))) return;
    this.deps.metrics.jobsFinished.inc({ key: job.keyId, outcome: outcome.status, code: outcome.status === 'failed' ? (outcome.error?.code ?? 0) : 0 });
    if (job.callbackUrl && callbacks) {
      const body = outcome.status === 'done' ? { id: job.id, status: 'done', data: outcome.result } : { id: job.id, status: 'failed', error: outcome.error };
      callbacks.send(job.callbackUrl, body, job.keyId);
    }
  }
}

/** Doubling backoff with "equal jitter": half fixed, half random, so retries of many jobs spread out. */
export function backoffMs(firstMs: number, attempt: number): number {
  const base = firstMs * 2 ** (attempt - 1);
  return base / 2 + Math.random() * (base / 2);
}
