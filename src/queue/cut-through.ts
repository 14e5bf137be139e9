import { GatewayError } from '../errors/catalogue.js';
import { unhurried } from '../redis/connect.js';
import type { PayloadStore } from '../store/payload-store.js';
import type { LaneGrant } from '../upstream/lane-pool.js';
import { forward, type ForwardDeps } from './forward.js';
import { reportJobEnded } from './job-ended.js';
import type { JobRecord } from './job-record.js';
import type { ClaimResult, JobOutcome, JobStore } from './job-store.js';

export interface CutThroughDeps extends ForwardDeps {
  store: JobStore;
  /** Where the request's bytes are: held by this process, never in the shared store. */
  held: PayloadStore;
}

/** How a cut-through attempt ended for its upload. */
export type DirectOutcome =
  /**
   * The upstream answered for good (done, or failed with its message), through `lane`: the client
   * gets that answer. `recorded` settles once the finish and the budget's reconcile are in the store.
   */
  | { kind: 'finished'; outcome: JobOutcome; lane: string; recorded: Promise<void> }
  /** A repeat (Idempotency-Key, or identical bytes): the earlier job answers it. */
  | { kind: 'existing'; job: JobRecord }
  /** It must wait (jobs waiting, no budget, a 429 or a 5xx to retry): commit its bytes and queue `job`. */
  | { kind: 'queue'; job: JobRecord }
  /** Its admission, sent alongside the claim, refused it (or failed): the claim and the reservation are undone, nothing was sent. */
  | { kind: 'refused' };

/**
 * Forwards an upload straight from its request when a lane has budget and no job waits for any
 * key: no payload in the shared store, no queue, no dispatcher. It costs two round trips: the claim
 * (repeat checks and the backlog, one script) and the lane reservation go together, with the
 * upload's admission when the body was read before it (see `admitted`); the finish and the
 * budget's reconcile go together after the answer, which the client does not wait for. Everything
 * else goes to the queue.
 */
export class CutThrough {
  constructor(private readonly deps: CutThroughDeps) {}

  /**
   * `admitted`: the upload's admission, when it was sent in the same round trip as the claim (its
   * body already read). Until it says yes nothing is forwarded or queued; a refusal (or a failed
   * admission) undoes the claim and gives the reservation back.
   */
  async forward(job: JobRecord, admitted: Promise<boolean>): Promise<DirectOutcome> {
    const { store, pool, held, metrics, logger } = this.deps;
    const [claim, grant] = await this.claimAndReserve(job);
    if (!(await admitted.catch(() => false))) {
      await Promise.all([
        grant.lane && pool.refund(grant),
        claim.kind === 'claimed' && store.dropDirect(job),
      ]).catch((error: unknown) => {
        // The claim then lapses after the lease, and the reservation with its window.
        metrics.storeErrors.inc({ operation: 'refund' });
        logger.warn({ err: error, job: job.id }, 'could not undo the claim of a refused upload');
      });
      return { kind: 'refused' };
    }
    if (claim.kind !== 'claimed' || !grant.lane) {
      if (grant.lane) await pool.refund(grant).catch(() => {});
      // Claimed but no budget: the queue takes the claimed job over under the same id.
      return claim.kind === 'existing' ? { kind: 'existing', job: claim.job } : { kind: 'queue', job };
    }
    const { verdict, reconciled } = await forward(this.deps, grant, job, { payloads: held });
    if (verdict.kind === 'again' || verdict.kind === 'unreadable') {
      // Unreadable held bytes: the queue commits them from the same held copy, or answers 503.
      await reconciled;
      return { kind: 'queue', job: { ...job, attempts: job.attempts + (verdict.kind === 'unreadable' || verdict.countAttempt ? 1 : 0) } };
    }
    // Ended after its one upstream attempt.
    const outcome: JobOutcome = { ...(verdict.kind === 'done' ? { status: 'done', result: verdict.image } : { status: 'failed', error: verdict.error }), attempts: job.attempts + 1 };
    // The finish (which notifies waiters of repeats) and the reconcile go out together: one round trip.
    const ended = unhurried(() => store.finishDirect(job, outcome)).catch((error: unknown) => {
      // The upload happened: the client still gets its answer; only repeats may not find it.
      metrics.storeErrors.inc({ operation: 'finish' });
      logger.warn({ err: error, job: job.id }, 'could not record a cut-through answer');
      return true;
    });
    // The client's answer does not wait for their replies (a round trip off every upload): both are
    // queued on the Redis connection before the answer is written (and go out with its next write,
    // a millisecond later at most: see unhurried), and it keeps order, so what this process does
    // next sees them; a repeat that reaches another instance sooner waits for the finish's notice.
    // Reported once: unless the claim had lapsed and a repeat took over. (No callback: a job that
    // asks for one is queued.)
    const recorded = Promise.all([ended, reconciled]).then(([first]) => {
      if (first) reportJobEnded(this.deps, job, outcome);
    });
    return { kind: 'finished', outcome, lane: grant.lane.id, recorded };
  }

  /**
   * The claim and the reservation are independent, so they go out together. A store that fails the
   * claim fails the upload (503, budget given back); a reservation that fails only sends it to the queue.
   */
  private async claimAndReserve(job: JobRecord): Promise<[ClaimResult, LaneGrant]> {
    const { store, pool, metrics, logger } = this.deps;
    const [claim, grant] = await Promise.allSettled([store.claimDirect(job), pool.acquire()]);
    const granted: LaneGrant = grant.status === 'fulfilled' ? grant.value : { retryInMs: 0 };
    if (grant.status === 'rejected') logger.warn({ err: grant.reason }, 'lane reservation failed; the upload is queued');
    if (claim.status === 'fulfilled') return [claim.value, granted];
    if (granted.lane) await pool.refund(granted).catch(() => {});
    metrics.storeErrors.inc({ operation: 'enqueue' });
    throw new GatewayError('storeUnavailable', { retryAfterSeconds: 1, cause: claim.reason });
  }
}
