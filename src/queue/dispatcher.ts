import type { Config } from '../config/schema.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../ops/logger.js';
import type { Metrics } from '../ops/metrics.js';
import type { PayloadStore } from '../store/payload-store.js';
import type { LanePool, LaneReservation } from '../upstream/lane-pool.js';
import type { UpstreamClient } from '../upstream/types.js';
import type { CallbackSender } from './callbacks.js';
import { forward, type Forwarded, type ForwardVerdict } from './forward.js';
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
    const { metrics, logger } = this.deps;
    let forwarded: Forwarded | undefined;
    try {
      forwarded = await forward(this.deps, grant, leased.job);
      await this.settle(leased, forwarded.verdict);
    } catch (error) {
      // The lease expires and the job is dispatched again: at-least-once.
      metrics.storeErrors.inc({ operation: 'settle' });
      logger.error({ err: error, job: leased.job.id }, 'could not record an upstream answer');
    }
    await forwarded?.reconciled;
  }

  private async settle(leased: LeasedJob, verdict: ForwardVerdict): Promise<void> {
    switch (verdict.kind) {
      case 'done':
        return this.end(leased, { status: 'done', result: verdict.image });
      case 'failed':
        return this.end(leased, { status: 'failed', error: verdict.error });
      case 'again':
        await this.deps.store.requeue(leased, verdict.dueAt, verdict.countAttempt);
        return;
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
