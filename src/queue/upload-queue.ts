import { randomUUID } from 'node:crypto';
import type { Config } from '../config/schema.js';
import { systemClock, type Clock } from '../clock.js';
import { GatewayError } from '../errors/catalogue.js';
import { certainlyNotRun } from '../redis/errors.js';
import type { Logger } from '../ops/logger.js';
import type { Metrics } from '../ops/metrics.js';
import type { StoreBackend } from '../store/backend.js';
import type { PayloadStore } from '../store/payload-store.js';
import type { JobStatus, JobView, SubmitOptions, SubmitOutcome, UploadRequest, UpstreamImage } from '../uploads/types.js';
import { LanePool } from '../upstream/lane-pool.js';
import { setLaneGauges } from '../upstream/lane-gauges.js';
import type { UpstreamClient } from '../upstream/types.js';
import type { CallbackSender } from './callbacks.js';
import { CutThrough, type DirectOutcome } from './cut-through.js';
import { Dispatcher } from './dispatcher.js';
import { etaFor } from './eta.js';
import { fairPosition } from './fair-order.js';
import { adminJobView, jobError, jobView, newJobRecord, storedError, type JobRecord, type StoredError } from './job-record.js';
import { withSignalEffects, type EnqueueResult, type FairOrder, type JobStore, type StoreLimits } from './job-store.js';
import { MemoryJobStore } from './memory-job-store.js';
import { OperatorHolds } from '../ops/operator-holds.js';
import { QueueOperator } from './queue-operator.js';
import { LocalSignals, RedisSignals, type QueueSignals } from './queue-signals.js';
import { RedisJobStore } from './redis-job-store.js';
import type { AdminJobView, LaneSnapshot, QueueStats, UploadQueue } from './types.js';

export interface UploadQueueDeps {
  config: Config;
  backend: StoreBackend;
  upstream: UpstreamClient;
  /** A key's share of scarce budget (from the key registry). */
  weightOf: (keyId: string) => Promise<number>;
  metrics: Metrics;
  logger: Logger;
  clock?: Clock;
  callbacks?: CallbackSender;
  /** The bytes of uploads this process may forward itself (cut-through); without it, every upload is queued. */
  held?: PayloadStore;
}

/** The admission of an upload admitted before it was submitted. */
const admittedBefore = Promise.resolve(true);

/** Retry-After when no estimate can be made (no lanes configured, or zero limits). */
const unknownRetryAfterSeconds = 60;
/** Retry-After of a 503 while the store is away, and of a 202 whose position could not be read. */
const storeRetrySeconds = 2;
/** How long an upload waits for the outcome of an enqueue whose reply was lost. */
const settleWithinMs = 5_000;
const settleRetryMs = 200;
/** How much earlier than the settling's end a held-back enqueue stops creating: room for the read back that finds it. */
const createMarginMs = 1_000;
/** Settling in the background: every few seconds, for up to an hour. */
const settleLaterEveryMs = 5_000;
const settleLaterAttempts = 720;

/** The enqueue may or may not have run, and the store did not say in time. */
class UnsettledEnqueue extends Error {
  override name = 'UnsettledEnqueue';
  constructor(cause: unknown) {
    super('enqueue outcome unknown', { cause });
  }
}
const stalledNoLanes = 'no upstream lanes are configured: jobs are stored and wait';

export async function createUploadQueue(deps: UploadQueueDeps): Promise<UploadQueue> {
  const { config, backend } = deps;
  const clock = deps.clock ?? systemClock;
  const limits: StoreLimits = {
    maxJobs: config.queue.maxJobs,
    maxBytes: config.queue.maxBytes,
    maxJobsPerKey: config.queue.maxJobsPerKey,
    resultTtlMs: config.queue.resultTtl,
    leaseMs: config.queue.leaseTimeout,
    dedupe: config.queue.dedupe,
  };
  let store: JobStore;
  let signals: QueueSignals;
  if (backend.kind === 'redis') {
    const redisSignals = await RedisSignals.open(backend.redis, backend.keys);
    store = new RedisJobStore(backend.redis, backend.keys, limits, clock, backend.payloads.lifetime, redisSignals);
    signals = redisSignals;
  } else {
    const { payloads } = backend;
    // A failed job's payload goes with its record (done jobs released theirs when they ended).
    const opened = await MemoryJobStore.open(backend.spoolDir, limits, clock, (job) => {
      if (job.keepsPayload && job.source.kind === 'payload') payloads.release(job.source.ref).catch(() => {});
    });
    // Payload reference counts live in memory: each recovered job, and each failed one still kept,
    // takes its reference again; payloads nobody took (a crash, an expired record) are removed.
    for (const job of [...opened.recovered, ...opened.keeping]) if (job.source.kind === 'payload') await payloads.retain(job.source.ref);
    await payloads.removeUnreferenced();
    if (opened.recovered.length > 0) deps.logger.info({ jobs: opened.recovered.length }, 'recovered queued jobs from the spool');
    signals = new LocalSignals();
    store = withSignalEffects(opened.store, backend.payloads, signals);
  }
  const pool = new LanePool(config, backend, clock, deps.metrics);
  pool.holds = new OperatorHolds(backend, clock);
  return new FairUploadQueue(deps, store, signals, pool, clock);
}

/** The durable fair queue behind the upload routes, the admin API and the dashboard. */
class FairUploadQueue implements UploadQueue {
  private readonly dispatcher: Dispatcher;
  private readonly waiters = new Map<string, Set<() => void>>();
  /** Synchronous waits under way: stop() answers them before it closes the store. */
  private readonly waits = new Set<Promise<unknown>>();
  /** Enqueues of unknown outcome being settled in the background. */
  private readonly settling = new Set<NodeJS.Timeout>();
  /** Cut-through forwards and the finishes they did not wait for: stop() lets them end (within its grace) before it closes the store. */
  private readonly forwards = new Set<Promise<unknown>>();
  private readonly cutThrough: CutThrough | undefined;
  private stopping = false;
  /** Set once stop() begins: uploads go to the queue, none is forwarded straight any more. */
  private closing = false;
  readonly operator: QueueOperator;

  constructor(
    private readonly deps: UploadQueueDeps,
    private readonly store: JobStore,
    private readonly signals: QueueSignals,
    private readonly pool: LanePool,
    private readonly clock: Clock,
  ) {
    const { config, upstream, metrics, logger, callbacks } = deps;
    this.dispatcher = new Dispatcher({ config, store, pool, upstream, payloads: deps.backend.payloads, signals, metrics, logger, clock, ...(callbacks ? { callbacks } : {}) });
    if (deps.held) this.cutThrough = new CutThrough({ config, store, pool, upstream, held: deps.held, metrics, logger, clock });
    signals.onFinished((jobId) => this.waiters.get(jobId)?.forEach((wake) => wake()));
    this.operator = new QueueOperator({ store, signals, pool, holds: pool.holds!, payloads: deps.backend.payloads, metrics, callbacks, submit: (request, options) => this.submit(request, options) });
  }

  /**
   * One answer per upload, whatever the store does: a job that may exist is never answered as
   * refused, and its payload reference is kept while it may. Once the job exists, a store failure
   * while waiting or describing it is answered 202 with its id (true: it is queued), never an error.
   * An upload whose bytes this process holds (`held`) first tries the cut-through.
   */
  async submit(request: UploadRequest, options: SubmitOptions): Promise<SubmitOutcome> {
    // The id is chosen here, before the enqueue, so a lost reply can be settled by reading it back.
    let job = newJobRecord(randomUUID(), request, this.clock(), this.deps.config.upstream.url);
    if (options.held) {
      const direct = await this.untilSettled(this.forwardDirect(job, options.admitted ?? admittedBefore));
      if (direct.kind === 'refused') throw new GatewayError('quotaExhausted', { retryAfterSeconds: 1 });
      if (direct.kind === 'finished') {
        this.deps.metrics.uploadPaths.inc({ path: 'direct' });
        return endedAnswer(job.id, { ...direct.outcome, lane: direct.lane });
      }
      if (direct.kind === 'existing') return this.answer(direct.job, options.waitMs);
      job = direct.job;
    }
    const payloadRef = request.source.kind === 'payload' ? request.source.ref : undefined;
    const releaseOwnReference = () => (payloadRef ? this.deps.backend.payloads.release(payloadRef).catch(() => {}) : undefined);
    let result: EnqueueResult;
    try {
      // Answered now (202): the enqueue answers the job's fair order too, so describing it reads one thing less.
      result = await this.enqueue(job, await this.deps.weightOf(request.keyId), options.waitMs <= 0);
    } catch (error) {
      if (!(error instanceof UnsettledEnqueue)) await releaseOwnReference();
      throw new GatewayError('storeUnavailable', { retryAfterSeconds: storeRetrySeconds, cause: error });
    }
    if (result.kind === 'refused' || result.kind === 'payloadGone') {
      await releaseOwnReference();
      throw new GatewayError('storeUnavailable', { retryAfterSeconds: storeRetrySeconds });
    }
    if (result.kind === 'overloaded') {
      await releaseOwnReference();
      const refusal = new GatewayError('overloaded', { message: `Upload queue is full (${result.limit}), try again later`, retryAfterSeconds: await this.secondsUntil(1).catch(() => unknownRetryAfterSeconds) });
      // A job the cut-through claimed ends with the refusal, so its repeats do not wait for it.
      if (options.held) await this.store.finishDirect(job, { status: 'failed', error: storedError(refusal) }).catch(() => {});
      throw refusal;
    }
    // A repeat (Idempotency-Key or identical bytes) is answered by the earlier job, which holds its own reference.
    // The store's enqueue has woken the dispatchers of every instance.
    if (result.kind === 'existing') await releaseOwnReference();
    else this.deps.metrics.uploadPaths.inc({ path: 'queued' });
    return this.answer(result.job, options.waitMs, result.order);
  }

  /**
   * The cut-through for an upload whose bytes this process holds. Whatever it does not forward
   * itself is committed to the durable store here, before the queue (and any 202) promises it.
   */
  private async forwardDirect(job: JobRecord, admitted: Promise<boolean>): Promise<DirectOutcome> {
    const { held, payloads } = this.heldStores();
    const ref = job.source.kind === 'payload' ? job.source.ref : undefined;
    // A callback_url asks for the queue: the result is POSTed when the job ends, wherever it ends.
    const forwarding =
      this.closing || job.callbackUrl
        ? admitted.then((yes): DirectOutcome => (yes ? { kind: 'queue', job } : { kind: 'refused' }), (): DirectOutcome => ({ kind: 'refused' }))
        : this.cutThrough!.forward(job, admitted);
    try {
      const direct = await forwarding;
      if (direct.kind === 'finished') this.untilSettled(direct.recorded);
      if (direct.kind !== 'queue' || !ref) return direct;
      await payloads.put(held.open(ref), Number.POSITIVE_INFINITY).catch((error: unknown) => {
        this.deps.metrics.storeErrors.inc({ operation: 'enqueue' });
        throw new GatewayError('storeUnavailable', { retryAfterSeconds: 1, cause: error });
      });
      return direct;
    } finally {
      if (ref) await held.release(ref).catch(() => {});
    }
  }

  /** Cut-through work, some of which outlives its request: stop() waits for it. */
  private untilSettled<T>(work: Promise<T>): Promise<T> {
    const settled = () => void this.forwards.delete(work);
    this.forwards.add(work);
    work.then(settled, settled);
    return work;
  }

  /** Done, failed (thrown), or 202 with where the job stands once `waitMs` has passed (`order`: its fair order, read at the enqueue). */
  private async answer(job: JobRecord, waitMs: number, order?: FairOrder): Promise<SubmitOutcome> {
    const settled = await this.waitFinished(job, waitMs).catch((error: unknown) => this.storeFailed('wait', error, job));
    if ((settled.status === 'done' && settled.result) || settled.status === 'failed') return endedAnswer(settled.id, settled);
    // A repeat of an upload still being forwarded straight from another request: its bytes are in no
    // store, so no 202 may promise it; the client retries and then gets its answer.
    if (settled.direct) throw new GatewayError('overloaded', { message: 'The same upload is still being forwarded, try again shortly', retryAfterSeconds: 1 });
    const view = await this.describe(settled, order).catch((error: unknown) => this.storeFailed('describe', error, jobView(settled)));
    const eta = view.eta ? Date.parse(view.eta) : undefined;
    return { state: 'queued', job: view, retryAfterSeconds: eta === undefined ? storeRetrySeconds : Math.max(1, Math.ceil((eta - this.clock()) / 1000)) };
  }

  /**
   * The enqueue, settled. A call that failed may still have run (its reply lost, or still waiting in
   * a stalled server's connection): the job id is read back — on the same connection, behind that
   * call — until the answer is known. Throws UnsettledEnqueue when it cannot be known in time; the
   * payload is then kept and the question settled in the background.
   */
  private async enqueue(job: JobRecord, weight: number, withOrder: boolean): Promise<EnqueueResult> {
    try {
      // A call held back until this settling may have given up creates nothing (refused), so a client
      // answered 503 never has its upload delivered.
      return await this.store.enqueue(job, weight, { withOrder, createWithinMs: settleWithinMs - createMarginMs });
    } catch (error) {
      this.deps.metrics.storeErrors.inc({ operation: 'enqueue' });
      if (certainlyNotRun(error)) throw error;
      const deadline = this.clock() + settleWithinMs;
      for (;;) {
        try {
          const found = await this.store.settleLostEnqueue(job.id);
          if (!found) return { kind: 'refused' };
          // Its notice, if the script ran, was this instance's own: skipped as an echo.
          this.signals.enqueued();
          return { kind: 'created', job: found };
        } catch (settleError) {
          if (this.clock() >= deadline) {
            this.settleLater(job);
            throw new UnsettledEnqueue(settleError);
          }
          await new Promise((resolve) => setTimeout(resolve, settleRetryMs));
        }
      }
    }
  }

  /**
   * A job whose enqueue could not be settled while its client waited was answered 503: once the
   * store answers, it is made to agree — created nothing (the id is marked), or cancelled while
   * still queued (its payload released with it).
   */
  private settleLater(job: JobRecord, attempt = 1): void {
    const { logger, backend } = this.deps;
    const timer = setTimeout(async () => {
      this.settling.delete(timer);
      try {
        const found = await this.store.settleLostEnqueue(job.id);
        if (!found) {
          if (job.source.kind === 'payload') await backend.payloads.release(job.source.ref);
        } else if (found.status === 'queued') {
          const error = storedError(new GatewayError('storeUnavailable', { message: 'Refused at intake: the gateway answered 503 while the store was unreachable' }));
          await this.store.finish({ job: found, token: '' }, { status: 'failed', error });
        } else {
          logger.warn({ job: job.id, status: found.status }, 'an upload answered 503 was enqueued after all, and already dispatched');
        }
      } catch {
        if (attempt < settleLaterAttempts && !this.stopping) this.settleLater(job, attempt + 1);
        else logger.error({ job: job.id }, 'could not settle an enqueue of unknown outcome');
      }
    }, settleLaterEveryMs);
    timer.unref();
    this.settling.add(timer);
  }

  /** A store failure after the job exists: counted, logged, and answered with what is known. */
  private storeFailed<T>(operation: string, error: unknown, known: T): T {
    this.deps.metrics.storeErrors.inc({ operation });
    this.deps.logger.warn({ err: error, operation }, 'store failed while a client waited; answering with the job as known');
    return known;
  }

  private heldStores(): { held: PayloadStore; payloads: PayloadStore } {
    if (!this.deps.held) throw new Error('submit({ held: true }) needs the held payload store in the queue deps');
    return { held: this.deps.held, payloads: this.deps.backend.payloads };
  }

  async get(jobId: string, keyId: string): Promise<JobView | undefined> {
    const job = await this.store.get(jobId);
    return job && job.keyId === keyId ? this.describe(job) : undefined;
  }

  async start(): Promise<void> {
    await this.reportRecovered();
    this.dispatcher.start();
  }

  async releaseHeld(): Promise<{ released: number; upstream: string }> {
    const { upstream } = this.deps.config;
    const released = await this.store.releaseHeld(upstream.url);
    if (released > 0) {
      this.deps.logger.warn({ jobs: released, upstream: upstream.url }, 'released held jobs: they go to the configured upstream');
      this.signals.enqueued();
    }
    return { released, upstream: upstream.url };
  }

  /**
   * Says at start where the queued jobs will go. Jobs accepted for another upstream (upstream.url
   * changed while they waited) are held by the dispatcher, unless queue.recoverToNewUpstream.
   */
  private async reportRecovered(): Promise<void> {
    const { config, logger } = this.deps;
    const current = config.upstream.url;
    const waiting = await this.store.list({ status: 'queued', limit: config.queue.maxJobs });
    if (waiting.length === 0) return;
    const byUpstream = new Map<string, number>();
    for (const job of waiting) byUpstream.set(job.upstream ?? current, (byUpstream.get(job.upstream ?? current) ?? 0) + 1);
    const others = [...byUpstream].filter(([url]) => url !== current);
    logger.info({ jobs: byUpstream.get(current) ?? 0, upstream: current }, 'queued jobs found at start go to the configured upstream');
    for (const [url, jobs] of others) {
      if (config.queue.recoverToNewUpstream) logger.warn({ jobs, acceptedFor: url, upstream: current }, 'queued jobs accepted for another upstream go to the configured one (queue.recoverToNewUpstream)');
      else logger.warn({ jobs, acceptedFor: url, upstream: current }, 'queued jobs accepted for another upstream are held, not sent: release them with `upgate jobs --release-held` (POST /admin/jobs/release-held) or set queue.recoverToNewUpstream: true');
    }
    if (config.queue.recoverToNewUpstream) await this.releaseHeld();
  }

  async stop(graceMs = 10_000): Promise<void> {
    this.closing = true;
    let timer: NodeJS.Timeout | undefined;
    // A forward that ends while this waits leaves its finish behind: waited for too.
    const forwardsEnded = async () => {
      while (this.forwards.size > 0) await Promise.allSettled([...this.forwards]);
    };
    await Promise.race([forwardsEnded(), new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
    await this.dispatcher.stop(graceMs);
    // Waiting clients are answered now (done, or 202 with their job), not after their maxWait.
    this.stopping = true;
    for (const wakers of this.waiters.values()) wakers.forEach((wake) => wake());
    await Promise.allSettled([...this.waits]);
    // Left unsettled: the refusal mark is never written, and a late enqueue would be dispatched.
    if (this.settling.size > 0) this.deps.logger.warn({ jobs: this.settling.size }, 'stopping with enqueues of unknown outcome unsettled');
    this.settling.forEach((timer) => clearTimeout(timer));
    await this.signals.close();
    await this.store.close();
  }

  async stats(): Promise<QueueStats> {
    const [counts, lanes] = await Promise.all([this.store.counts(), this.pool.snapshots()]);
    const now = this.clock();
    const backlog = counts.depth + counts.active;
    const drainEta = backlog === 0 ? now : etaFor(backlog, lanes, now);
    const stats: QueueStats = {
      depth: counts.depth,
      bytes: counts.bytes,
      active: counts.active,
      oldestAgeMs: counts.oldestCreatedAt === undefined ? 0 : Math.max(0, now - counts.oldestCreatedAt),
      drainEta: drainEta ?? Number.POSITIVE_INFINITY,
      byKey: counts.byKey,
      held: counts.held,
    };
    if (this.pool.lanes.length === 0) stats.stalled = stalledNoLanes;
    this.updateMetrics(stats, lanes);
    return stats;
  }

  lanes(): Promise<LaneSnapshot[]> {
    return this.pool.snapshots();
  }

  async list(filter: { status?: JobView['status']; keyId?: string; limit?: number } = {}): Promise<AdminJobView[]> {
    const jobs = await this.store.list({ limit: filter.limit ?? 100, ...(filter.status && { status: filter.status }), ...(filter.keyId && { keyId: filter.keyId }) });
    return jobs.map(adminJobView);
  }

  async inspect(jobId: string): Promise<AdminJobView | undefined> {
    const job = await this.store.get(jobId);
    return job && { ...adminJobView(job), ...(await this.describe(job)) };
  }

  /** The job once finished, or as it stands after `waitMs`; a finish notice from any instance ends the wait early. */
  private waitFinished(job: JobRecord, waitMs: number): Promise<JobRecord> {
    if (job.status === 'done' || job.status === 'failed' || waitMs <= 0 || this.stopping) return Promise.resolve(job);
    const wait = this.waitForNotice(job, waitMs);
    this.waits.add(wait);
    return wait.finally(() => this.waits.delete(wait));
  }

  private async waitForNotice(job: JobRecord, waitMs: number): Promise<JobRecord> {
    const wakers = this.waiters.get(job.id) ?? new Set<() => void>();
    this.waiters.set(job.id, wakers);
    let wake = () => {};
    const woken = new Promise<void>((resolve) => (wake = resolve));
    const timer = setTimeout(wake, waitMs);
    wakers.add(wake);
    try {
      // Subscribed first, then read: a finish between enqueue and now is not missed.
      const current = await this.store.get(job.id);
      if (!current || current.status === 'done' || current.status === 'failed') return current ?? job;
      await woken;
      return (await this.store.get(job.id)) ?? current;
    } finally {
      clearTimeout(timer);
      wakers.delete(wake);
      if (wakers.size === 0) this.waiters.delete(job.id);
    }
  }

  /** The client's view, with position and ETA while the job waits (`known`: its fair order, when just read). */
  private async describe(job: JobRecord, known?: FairOrder): Promise<JobView> {
    const view = jobView(job);
    if (job.status !== 'queued' && job.status !== 'active') return view;
    // Independent reads, sent together: one round trip.
    const [order, lanes] = await Promise.all([job.status === 'queued' ? (known ?? this.store.fairOrder(job)) : undefined, this.pool.snapshots()]);
    const position = order ? fairPosition(order) : 1;
    if (job.status === 'queued') view.position = position;
    const eta = etaFor(position, lanes, this.clock());
    if (eta !== undefined) view.eta = new Date(job.status === 'active' ? this.clock() : eta).toISOString();
    return view;
  }

  /** Seconds until `n` more uploads can go upstream: the Retry-After of a full queue. */
  private async secondsUntil(n: number): Promise<number> {
    const eta = etaFor(n, await this.pool.snapshots(), this.clock());
    return eta === undefined ? unknownRetryAfterSeconds : Math.max(1, Math.ceil((eta - this.clock()) / 1000));
  }

  private updateMetrics(stats: QueueStats, lanes: LaneSnapshot[]): void {
    const { metrics } = this.deps;
    metrics.queueDepth.set(stats.depth);
    metrics.queueBytes.set(stats.bytes);
    metrics.queueOldestAge.set(stats.oldestAgeMs / 1000);
    setLaneGauges(metrics, lanes);
  }
}

/**
 * A job that ended, answered: its image (with the lane that carried it, for the request log), or its
 * error thrown. Only the job's id is read from a done answer, so no view of it is built.
 */
function endedAnswer(id: string, ended: { status: JobStatus; result?: UpstreamImage | undefined; error?: StoredError | undefined; lane?: string | undefined }): SubmitOutcome {
  if (ended.status !== 'done' || !ended.result) throw jobError(ended);
  const done: SubmitOutcome = { state: 'done', job: { id }, image: ended.result };
  if (ended.lane) done.lane = ended.lane;
  return done;
}
