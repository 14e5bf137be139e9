import type { PayloadLocation, PayloadStore } from '../store/payload-store.js';
import type { JobRecord } from './job-record.js';
import type { QueueSignals } from './queue-signals.js';

/**
 * Where jobs wait, shared by every instance (Redis) or kept by one process with a spool (embedded).
 * Both implement the same scheduling: per-key FIFO lists, start-time fair queueing across keys
 * (a key's next job costs 1/weight of virtual time), leases that expire back to the head of the
 * key's list, and a delayed set for retry backoff.
 *
 * BullMQ was weighed and left out: its workers pull whatever is next, while upgate must dispatch
 * only after a lane's budget is reserved and must pick the next job fairly across keys; and the
 * embedded mode has no Redis at all. The scheduling here is small enough to own.
 */
export interface JobStore {
  /** Backpressure, Idempotency-Key and dedupe checks and the push, in one atomic step. */
  enqueue(job: JobRecord, weight: number, options?: EnqueueOptions): Promise<EnqueueResult>;
  /**
   * For the cut-through: Idempotency-Key and dedupe checks, then whether any job waits, then the job
   * recorded as active and direct (so repeats find it; in no list, expiring after the lease in Redis),
   * in one atomic step. A later `enqueue` of the same job id takes the claimed job over.
   */
  claimDirect(job: JobRecord): Promise<ClaimResult>;
  /** Ends a claimed direct job and notifies its waiters (false when it is no longer one); its record is kept for resultTtl. */
  finishDirect(job: JobRecord, outcome: JobOutcome): Promise<boolean>;
  /**
   * Undoes a claim made alongside an admission that then refused the upload: the job and the
   * Idempotency-Key and dedupe entries pointing at it go (a retry after the quota resets is a new
   * upload), and its waiters are told (false when it is no longer a claimed direct job).
   */
  dropDirect(job: JobRecord): Promise<boolean>;
  /** Returns due retries and expired leases to their keys' heads, then leases the fairest next job. */
  dequeue(laneId: string): Promise<LeasedJob | undefined>;
  /**
   * Ends the job (first answer wins: false when it had already ended), drops the job's payload
   * reference and tells every waiter, as one step; its result is kept for resultTtl. A failed job
   * keeps its payload with its record (`keepsPayload`), so it can be retried; it goes when the record
   * expires or is removed. Repeated by the same lease after a lost reply, it answers true again.
   */
  finish(leased: LeasedJob, outcome: JobOutcome): Promise<boolean>;
  /** Puts a leased job back, due at `dueAt` (then at the head of its key's list); false when the lease was lost. */
  requeue(leased: LeasedJob, dueAt: number, countAttempt: boolean): Promise<boolean>;
  /**
   * Takes a leased job out of dispatch (it was accepted for another upstream): it stays queued and
   * counted, but is never leased until `releaseHeld`; false when the lease was lost.
   */
  hold(leased: LeasedJob): Promise<boolean>;
  /** Points every held job at `upstream` and makes it due now; answers how many. */
  releaseHeld(upstream: string): Promise<number>;
  get(jobId: string): Promise<JobRecord | undefined>;
  /**
   * After an enqueue whose reply was lost: the job when it exists; else undefined, and an enqueue of
   * this id that is still on its way will create nothing.
   */
  settleLostEnqueue(jobId: string): Promise<JobRecord | undefined>;
  /** Where a waiting job stands among the active keys, for its position. */
  fairOrder(job: JobRecord): Promise<FairOrder | undefined>;
  counts(): Promise<StoreCounts>;
  /** Up to `limit` jobs of that status and key, newest first. */
  list(filter: JobListFilter): Promise<JobRecord[]>;
  /**
   * When there is next something to dispatch: at once (0) while a key has jobs waiting, else the
   * earliest delayed job or lease expiry, undefined when nothing is pending. One cheap read, so an
   * idle dispatcher reserves no budget just to find the queue empty.
   */
  nextWorkAt(): Promise<number | undefined>;
  /**
   * Operator purge: forgets a finished job now, with the payload a failed one kept (its idempotency and
   * dedupe entries expire as usual in Redis). False unless it was done or failed.
   */
  removeFinished(jobId: string): Promise<boolean>;
  close(): Promise<void>;
}

export interface JobListFilter {
  status?: JobRecord['status'];
  keyId?: string;
  limit: number;
}

export interface StoreLimits {
  maxJobs: number;
  maxBytes: number;
  maxJobsPerKey: number;
  resultTtlMs: number;
  leaseMs: number;
  dedupe: boolean;
}

export interface EnqueueOptions {
  /** Answer the job's fair order too, where that saves a read (its client is answered 202 now). */
  withOrder?: boolean;
  /**
   * Create the job only if the call reaches the store within this many ms of being sent (Redis: a
   * stall may hold it back); later, its client may have been answered 503, and it is refused.
   */
  createWithinMs?: number;
}

export type EnqueueResult =
  | { kind: 'created'; job: JobRecord; order?: FairOrder }
  /** The same Idempotency-Key, or (dedupe) the same bytes from the same key: the earlier job. */
  | { kind: 'existing'; job: JobRecord; order?: FairOrder }
  | { kind: 'overloaded'; limit: 'jobs' | 'bytes' | 'perKey' }
  /** The id was settled as never enqueued (settleLostEnqueue) before this call arrived. */
  | { kind: 'refused' }
  /** The upload's bytes expired from the store before its job could be created (Redis: the request's hold lapsed). */
  | { kind: 'payloadGone' };

export type ClaimResult =
  | { kind: 'claimed' }
  /** The same Idempotency-Key, or (dedupe) the same bytes from the same key: the earlier job. */
  | { kind: 'existing'; job: JobRecord }
  /** Jobs are waiting: this upload queues behind them. */
  | { kind: 'backlog' };

export interface LeasedJob {
  job: JobRecord;
  /** Proves this dispatch still holds the lease when it puts the job back. */
  token: string;
  /**
   * Set by dequeue: true when other jobs were waiting as it leased this one (the next lease need not
   * ask first); false when none were (the dispatcher sleeps until `nextDueInMs` instead of asking).
   */
  more?: boolean;
  /** Set by dequeue when nothing else waits: ms until the next retry or lease expiry is due (none: undefined). */
  nextDueInMs?: number;
  /** Where the payload's bytes are, when the store's record names it (Redis). */
  payloadAt?: PayloadLocation;
}

/** How a job ended, and (when known) the upstream attempts it took in all. */
export type JobOutcome = (Pick<JobRecord, 'result'> & { status: 'done' } | Pick<JobRecord, 'error'> & { status: 'failed' }) & { attempts?: number };

/** A waiting job's place: its index in its key's list and every active key's head tag, weight and length. */
export interface FairOrder {
  keyId: string;
  index: number;
  keys: Array<{ keyId: string; start: number; weight: number; length: number }>;
}

export interface StoreCounts {
  /** Jobs waiting (queued or delayed). */
  depth: number;
  /** Jobs leased right now. */
  active: number;
  /** Waiting jobs held because they were accepted for another upstream (counted in depth too). */
  held: number;
  /** Payload bytes of every job not finished. */
  bytes: number;
  oldestCreatedAt?: number;
  /** Jobs not finished, per key. */
  byKey: Record<string, number>;
}

/**
 * A store whose enqueue does not itself notify, and whose finish does not itself release the
 * payload and notify (the embedded one, where these are in-process calls), wrapped so every
 * JobStore's enqueue and finish mean the same. A failed job's payload is released when its record
 * is forgotten instead (MemoryJobStore's `forgotten`).
 */
export function withSignalEffects(store: JobStore, payloads: PayloadStore, signals: QueueSignals): JobStore {
  return {
    async enqueue(job, weight, options) {
      const result = await store.enqueue(job, weight, options);
      if (result.kind === 'created') signals.enqueued();
      return result;
    },
    dequeue: (laneId) => store.dequeue(laneId),
    async finish(leased, outcome) {
      if (!(await store.finish(leased, outcome))) return false;
      signals.finished(leased.job.id);
      if (leased.job.source.kind === 'payload' && outcome.status === 'done') await payloads.release(leased.job.source.ref);
      return true;
    },
    requeue: (leased, dueAt, countAttempt) => store.requeue(leased, dueAt, countAttempt),
    claimDirect: (job) => store.claimDirect(job),
    async finishDirect(job, outcome) {
      if (!(await store.finishDirect(job, outcome))) return false;
      signals.finished(job.id);
      return true;
    },
    async dropDirect(job) {
      if (!(await store.dropDirect(job))) return false;
      signals.finished(job.id);
      return true;
    },
    hold: (leased) => store.hold(leased),
    releaseHeld: (upstream) => store.releaseHeld(upstream),
    get: (jobId) => store.get(jobId),
    settleLostEnqueue: (jobId) => store.settleLostEnqueue(jobId),
    fairOrder: (job) => store.fairOrder(job),
    counts: () => store.counts(),
    list: (filter) => store.list(filter),
    nextWorkAt: () => store.nextWorkAt(),
    removeFinished: (jobId) => store.removeFinished(jobId),
    close: () => store.close(),
  };
}
