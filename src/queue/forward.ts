import type { Config } from '../config/schema.js';
import type { Clock } from '../clock.js';
import { GatewayError } from '../errors/catalogue.js';
import { unhurried } from '../redis/connect.js';
import type { Logger } from '../ops/logger.js';
import type { Metrics } from '../ops/metrics.js';
import type { PayloadLocation, PayloadStore } from '../store/payload-store.js';
import type { UpstreamImage } from '../uploads/types.js';
import type { LanePool, LaneReservation } from '../upstream/lane-pool.js';
import type { UpstreamAnswer, UpstreamClient } from '../upstream/types.js';
import { jobLogFields, storedError, uploadRequestOf, type JobRecord, type StoredError } from './job-record.js';

export interface ForwardDeps {
  config: Config;
  pool: LanePool;
  upstream: UpstreamClient;
  metrics: Metrics;
  logger: Logger;
  clock: Clock;
}

/** What one upstream attempt means for its job, whichever path sent it. */
export type ForwardVerdict =
  | { kind: 'done'; image: UpstreamImage }
  | { kind: 'failed'; error: StoredError }
  /** Send again from the queue, not before `dueAt`; a 429 (the lane is paused by now) counts no attempt. */
  | { kind: 'again'; dueAt: number; countAttempt: boolean }
  /** Nothing reached the upstream: the gateway could not read the upload's own bytes (the budget is given back). */
  | { kind: 'unreadable'; cause: unknown };

export interface Forwarded {
  verdict: ForwardVerdict;
  /** The lane budget learning from the answer: runs while the caller records the verdict. */
  reconciled: Promise<void>;
}

/**
 * One upstream attempt through a lane whose budget is already reserved, shared by the dispatcher
 * (queued jobs) and the cut-through (uploads forwarded straight from their request): send, learn the
 * budget from the answer (which pauses the lane after a 429), and judge retries against upstream.attempts.
 * Each caller records the verdict its own way (the job's lease, or the request's claim).
 * `bytes` says where they are read from: the process's held payloads, or the durable store (at
 * `payloadAt` when the job's lease said where).
 */
export async function forward(deps: ForwardDeps, grant: LaneReservation, job: JobRecord, bytes: { payloads?: PayloadStore; payloadAt?: PayloadLocation } = {}): Promise<Forwarded> {
  const { upstream, pool, metrics, logger, clock, config } = deps;
  const { lane } = grant;
  let answer: UpstreamAnswer;
  try {
    answer = await upstream.send(lane, uploadRequestOf(job, bytes.payloadAt), bytes.payloads);
  } catch (error) {
    // The client throws only for failures on our side (the payload unreadable…) before anything
    // reached the upstream: the budget goes back, and the job is never blamed on the upstream.
    await pool.refund(grant).catch(() => {});
    return { verdict: { kind: 'unreadable', cause: error }, reconciled: Promise.resolve() };
  }
  metrics.dispatchLatency.observe(Math.max(0, clock() - job.createdAt) / 1000);
  // The budget learns from the answer while the job is settled: the client need not wait for both.
  // After a 429 this gives the upload back and pauses the subject the answer concerns, in the same
  // step, at once; what a final answer teaches may share a later write (see unhurried).
  const reconcile = () => pool.reconcile(grant, answer);
  const learning = (answer.kind === 'ok' || answer.kind === 'rejected' ? unhurried(reconcile) : reconcile()).catch((error: unknown) => {
    metrics.storeErrors.inc({ operation: 'reconcile' });
    logger.warn({ err: error, lane: lane.id }, 'could not reconcile a lane budget');
    return {} as { pausedUntil?: number };
  });
  const reconciled = learning.then(() => {});
  // The 'dispatched' line, built only when its level is written (it is info, on every upload).
  const line = (extra?: object) => ({ ...jobLogFields(job), lane: lane.id, outcome: answer.kind, attempts: job.attempts + 1, ...extra });
  const info = logger.isLevelEnabled('info');
  switch (answer.kind) {
    case 'ok':
      if (info) logger.info(line(), 'dispatched');
      return { verdict: { kind: 'done', image: answer.image }, reconciled };
    case 'rejected': {
      const error = new GatewayError('upstreamFailed', { message: answer.message });
      if (info) logger.info(line({ upstreamStatus: answer.status, code: error.code }), 'dispatched');
      return { verdict: { kind: 'failed', error: storedError(error) }, reconciled };
    }
    case 'rate-limited': {
      const { pausedUntil } = await learning;
      logger.warn({ lane: lane.id, until: pausedUntil && new Date(pausedUntil).toISOString(), message: answer.message, job: job.id }, 'upstream answered 429; lane paused');
      return { verdict: { kind: 'again', dueAt: clock(), countAttempt: false }, reconciled };
    }
    case 'retryable': {
      const attempts = job.attempts + 1;
      if (attempts >= config.upstream.attempts) {
        const error = new GatewayError(answer.timeout ? 'upstreamTimeout' : 'upstreamFailed', { message: `${answer.timeout ? 'Upstream timed out' : 'Upstream failed'} after ${attempts} attempts: ${answer.message}` });
        logger.warn(line({ code: error.code, reason: answer.message }), 'dispatched');
        return { verdict: { kind: 'failed', error: storedError(error) }, reconciled };
      }
      if (info) logger.info(line({ reason: answer.message }), 'dispatched; retrying later');
      return { verdict: { kind: 'again', dueAt: clock() + backoffMs(config.upstream.retryBackoff, attempts), countAttempt: true }, reconciled };
    }
  }
}

/** Doubling backoff with "equal jitter": half fixed, half random, so retries of many jobs spread out. */
export function backoffMs(firstMs: number, attempt: number): number {
  const base = firstMs * 2 ** (attempt - 1);
  return base / 2 + Math.random() * (base / 2);
}
