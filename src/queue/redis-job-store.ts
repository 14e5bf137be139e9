import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { RedisClient } from '../redis/connect.js';
import { runScript } from '../redis/connect.js';
import { certainlyNotRun, classifyRedisError } from '../redis/errors.js';
import type { RedisKeys } from '../redis/keys.js';
import type { PayloadLifetime } from '../store/redis-payload-lifetime.js';
import { payloadLocation } from '../store/redis-payload-store.js';
import { decodeJob, dedupeDigest, encodeJob, idempotencyScope, type JobRecord } from './job-record.js';
import type { ClaimResult, EnqueueOptions, EnqueueResult, FairOrder, JobListFilter, JobOutcome, JobStore, LeasedJob, StoreCounts, StoreLimits } from './job-store.js';
import type { RedisSignals } from './queue-signals.js';

/** Finished jobs listed by the admin API at most (each still expires after resultTtl). */
const finishedListed = 10_000;
/** Job ids read per round trip while listing. */
const listPage = 200;
/** How long a refusal mark outlives the enqueue it stops: far beyond any command timeout. */
const refusalTtlMs = 3_600_000;

/** The one place the enqueue script's status codes become outcomes. */
function enqueueOutcome(code: number): 'created' | 'renewNow' | 'existing' | EnqueueResult & { kind: 'overloaded' | 'refused' | 'payloadGone' } {
  switch (code) {
    case 1:
      return 'created';
    case 4:
      return 'renewNow';
    case 2:
    case 3:
      return 'existing';
    case -1:
      return { kind: 'overloaded', limit: 'jobs' };
    case -2:
      return { kind: 'overloaded', limit: 'bytes' };
    case -3:
      return { kind: 'overloaded', limit: 'perKey' };
    case -4:
      return { kind: 'refused' };
    case -5:
      return { kind: 'payloadGone' };
    default:
      throw new Error(`enqueueJob returned unknown status ${code}`);
  }
}

function payloadRef(job: JobRecord): string | undefined {
  return job.source.kind === 'payload' ? job.source.ref : undefined;
}

/** What fairOrderOf.lua answers, read ({}: the job is not waiting). */
function fairOrderOf(keyId: string, reply: Array<string | number>): FairOrder | undefined {
  if (reply.length === 0) return undefined;
  const keys: FairOrder['keys'] = [];
  for (let i = 1; i + 3 < reply.length; i += 4) {
    keys.push({ keyId: String(reply[i]), start: Number(reply[i + 1]), weight: Number(reply[i + 2]), length: Number(reply[i + 3]) });
  }
  return { keyId, index: Number(reply[0]), keys };
}

function pairs(flat: string[]): Record<string, string> {
  const hash: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) hash[flat[i]!] = flat[i + 1]!;
  return hash;
}

/** Redis's clock from a TIME reply, in epoch ms. */
function serverMs([seconds, micros]: [string, string]): number {
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
}

/**
 * The queue in Redis (scripts in src/redis/scripts): every instance on the Redis shares it. Leases
 * and due times run on Redis's clock; times handed back (nextWorkAt) are in this instance's clock.
 */
export class RedisJobStore implements JobStore {
  /**
   * How far our clock is ahead of Redis's, as the last enqueue saw it: its reply arrived after the
   * script read TIME, so this over-states our lead, and a deadline moved onto Redis's clock with it
   * falls early there, never late.
   */
  private serverLead: number | undefined;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly limits: StoreLimits,
    private readonly clock: Clock,
    /** Keeps the chunks of the payloads jobs own alive, and applies what a finish or purge decides for them. */
    private readonly payloads: PayloadLifetime,
    /** Announces finishes; without it (store-only tests) they are published untagged and not heard in process. */
    private readonly signals?: RedisSignals,
  ) {}

  /** A local instant on Redis's clock (no later than it truly is there); the first call of a process reads TIME. */
  private async onServerClock(localMs: number): Promise<number> {
    if (this.serverLead === undefined) {
      const [seconds, micros] = await this.redis.time();
      this.serverLead = this.clock() - (Number(seconds) * 1000 + Math.floor(Number(micros) / 1000));
    }
    return Math.floor(localMs - this.serverLead);
  }

  async enqueue(job: JobRecord, weight: number, { withOrder = false, createWithinMs }: EnqueueOptions = {}): Promise<EnqueueResult> {
    const createBy = createWithinMs === undefined ? 0 : await this.onServerClock(this.clock() + createWithinMs);
    const entries = this.repeatEntries(job);
    const ref = payloadRef(job);
    const notice = this.signals?.enqueueNotice() ?? { channel: this.keys.queueChannel('enqueued'), message: '-' };
    const [code, order, now, ...flat] = await runScript<[number, Array<string | number>?, number?, ...string[]]>(
      this.redis,
      'enqueueJob',
      this.keys.enqueueKeys({ ...entries, ref }),
      [
        job.id,
        job.keyId,
        weight,
        job.size,
        job.createdAt,
        this.limits.resultTtlMs,
        this.limits.maxJobs,
        this.limits.maxBytes,
        this.limits.maxJobsPerKey,
        job.idempotencyKey ? 1 : 0,
        entries.dedupe ? 1 : 0,
        notice.channel,
        notice.message,
        ref ?? '',
        withOrder ? 1 : 0,
        createBy,
        ...encodeJob(job),
      ],
    );
    const outcome = enqueueOutcome(code);
    if (typeof outcome === 'object') return outcome;
    this.serverLead = this.clock() - Number(now);
    const stored = decodeJob(pairs(flat));
    if (!stored) throw new Error(`enqueueJob answered ${code} without the job`);
    const waiting = withOrder && order ? fairOrderOf(stored.keyId, order) : undefined;
    const answered = waiting ? { order: waiting } : {};
    if (outcome === 'existing') return { kind: outcome, job: stored, ...answered };
    this.signals?.enqueuedHere();
    // It took over a payload whose chunks were shortened (a failed record kept them): renewed now, not in a minute.
    if (outcome === 'renewNow') this.payloads.soon();
    return { kind: 'created', job: stored, ...answered };
  }

  async settleLostEnqueue(jobId: string): Promise<JobRecord | undefined> {
    const flat = await runScript<string[]>(this.redis, 'refuseJob', this.keys.refuseKeys(jobId), [refusalTtlMs]);
    const job = decodeJob(pairs(flat));
    // The lost enqueue may have taken over a payload due for renewal now (rare: renewing is cheap).
    if (job && payloadRef(job)) this.payloads.soon();
    return job;
  }

  /**
   * The token is chosen before the call: when the reply is lost (a timeout, a dropped connection)
   * the job it may have leased is read back by it, instead of sitting leased by nobody until its
   * lease expires.
   */
  async dequeue(laneId: string): Promise<LeasedJob | undefined> {
    const token = randomUUID();
    let reply: [number?, number?, ...string[]];
    try {
      reply = await runScript<[number?, number?, ...string[]]>(this.redis, 'dequeueJob', this.keys.dequeueKeys(token), [this.limits.leaseMs, laneId, token, this.keys.queueBase()]);
    } catch (error) {
      if (certainlyNotRun(error)) throw error;
      return this.leasedBy(token, error);
    }
    const [more, dueIn, ...flat] = reply;
    const hash = pairs(flat);
    const job = decodeJob(hash);
    if (!job) return undefined;
    const payloadAt = payloadLocation(hash.payloadAt);
    const leased: LeasedJob = { job, token, more: more === 1, ...(payloadAt && { payloadAt }) };
    if (more !== 1 && dueIn !== undefined && dueIn >= 0) leased.nextDueInMs = dueIn;
    return leased;
  }

  /** The job leased under `token`, read back (on the same connection, behind the lost call) for a few tries. */
  private async leasedBy(token: string, cause: unknown): Promise<LeasedJob | undefined> {
    for (let attempt = 0; attempt < 10; attempt++) {
      try {
        const id = await this.redis.get(this.keys.queueLease(token));
        const job = id ? await this.redis.hgetall(this.keys.queueJob(id)) : undefined;
        if (job?.leaseToken !== token) return undefined;
        return { job: decodeJob(job)!, token };
      } catch {
        await new Promise((resolve) => setTimeout(resolve, Math.min(100 * 2 ** attempt, 1_000)));
      }
    }
    throw cause;
  }

  /**
   * Retried while Redis is away or stalled, for up to half a lease: the upload has reached the
   * upstream, and a finish that never lands lets the lease expire and sends it again. Safe to repeat:
   * a finish by the same lease answers true again.
   */
  async finish(leased: LeasedJob, outcome: JobOutcome): Promise<boolean> {
    const deadline = this.clock() + this.limits.leaseMs / 2;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.finishOnce(leased, outcome);
      } catch (error) {
        if (classifyRedisError(error).kind === 'setup' || this.clock() >= deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.min(100 * 2 ** attempt, 1_000)));
      }
    }
  }

  private async finishOnce(leased: LeasedJob, outcome: JobOutcome): Promise<boolean> {
    const { job } = leased;
    const ref = payloadRef(job);
    const [field, value] = outcome.status === 'done' ? ['result', outcome.result] : ['error', outcome.error];
    const notice = this.finishNotice(job.id);
    const [ended, ...chunks] = await runScript<[number, ...string[]]>(this.redis, 'finishJob', this.keys.finishKeys({ id: job.id, keyId: job.keyId, ref }, leased.token), [
      job.id,
      outcome.status,
      field,
      JSON.stringify(value),
      this.limits.resultTtlMs,
      finishedListed,
      notice.channel,
      notice.message,
      leased.token,
      outcome.attempts ?? '',
      ref ?? '',
    ]);
    if (ended !== 1) return false;
    this.signals?.heardHere(job.id);
    if (ref) await this.payloads.follow(ref, chunks);
    return true;
  }

  async requeue(leased: LeasedJob, dueAt: number, countAttempt: boolean): Promise<boolean> {
    // Due `dueAt - now` from now on Redis's clock, so instances with drifting clocks agree on it.
    const delayMs = Math.max(0, Math.round(dueAt - this.clock()));
    const done = await runScript<number>(this.redis, 'requeueJob', this.keys.requeueKeys(leased.job.id, leased.token), [leased.job.id, leased.token, delayMs, countAttempt ? 1 : 0]);
    return done === 1;
  }

  async hold(leased: LeasedJob): Promise<boolean> {
    const held = await runScript<number>(this.redis, 'holdJob', this.keys.holdKeys(leased.job.id, leased.token), [leased.job.id, leased.token]);
    return held === 1;
  }

  /** Held jobs are not leased by anyone, so each moves back in one transaction of its own (every key in the {queue} slot). */
  async releaseHeld(upstream: string): Promise<number> {
    const k = this.keys;
    const ids = await this.redis.zrange(k.queueShared('held'), 0, -1);
    const now = this.clock();
    for (const id of ids) {
      await this.redis.multi().hset(k.queueJob(id), 'upstream', upstream).hdel(k.queueJob(id), 'held').zadd(k.queueShared('delayed'), now, id).zrem(k.queueShared('held'), id).exec();
    }
    return ids.length;
  }

  async get(jobId: string): Promise<JobRecord | undefined> {
    return decodeJob(await this.redis.hgetall(this.keys.queueJob(jobId)));
  }

  /** One script: the other active keys' list lengths are only known once the active set is read. */
  async fairOrder(job: JobRecord): Promise<FairOrder | undefined> {
    return fairOrderOf(job.keyId, await runScript<Array<string | number>>(this.redis, 'fairOrder', this.keys.fairOrderKeys(job.keyId), [job.id, this.keys.queueBase()]));
  }

  async counts(): Promise<StoreCounts> {
    const k = this.keys;
    const [depth, active, held, oldest, state] = await this.results(
      this.redis
        .pipeline()
        .zcard(k.queueShared('waiting'))
        .zcard(k.queueShared('leases'))
        .zcard(k.queueShared('held'))
        .zrange(k.queueShared('waiting'), 0, 0, 'WITHSCORES')
        .hgetall(k.queueShared('state')),
    );
    const hash = state as Record<string, string>;
    const byKey: Record<string, number> = {};
    for (const [field, value] of Object.entries(hash)) if (field.startsWith('n:')) byKey[field.slice(2)] = Number(value);
    const counts: StoreCounts = { depth: depth as number, active: active as number, held: held as number, bytes: Number(hash.bytes ?? 0), byKey };
    const first = oldest as string[];
    if (first.length === 2) counts.oldestCreatedAt = Number(first[1]);
    return counts;
  }

  /**
   * Newest first, filtered here (not after a limit): each set is read newest first in pages, and only
   * jobs of the wanted status and key are kept until `limit` are found.
   */
  async list(filter: JobListFilter): Promise<JobRecord[]> {
    const k = this.keys;
    const sets = { queued: 'waiting', active: 'leases', done: 'finished', failed: 'finished' } as const;
    const names = filter.status ? [sets[filter.status]] : (['leases', 'waiting', 'finished'] as const);
    const found: JobRecord[] = [];
    for (const name of names) {
      const before = found.length;
      for (let offset = 0; found.length - before < filter.limit; offset += listPage) {
        const ids = await this.redis.zrange(k.queueShared(name), offset, offset + listPage - 1, 'REV');
        const heads = await this.results(ids.reduce((m, id) => m.hmget(k.queueJob(id), 'status', 'keyId'), this.redis.pipeline()));
        const wanted = ids.filter((_, i) => {
          const [status, keyId] = heads[i] as [string | null, string | null];
          return status !== null && (!filter.status || status === filter.status) && (!filter.keyId || keyId === filter.keyId);
        });
        const hashes = await this.results(wanted.slice(0, filter.limit - (found.length - before)).reduce((m, id) => m.hgetall(k.queueJob(id)), this.redis.pipeline()));
        for (const hash of hashes) {
          const job = decodeJob(hash as Record<string, string>);
          if (job) found.push(job);
        }
        if (ids.length < listPage) break;
      }
    }
    return found.sort((a, b) => b.createdAt - a.createdAt).slice(0, filter.limit);
  }

  async nextWorkAt(): Promise<number | undefined> {
    const k = this.keys;
    const [activeKeys, delayed, leases, time] = await this.results(
      this.redis
        .pipeline()
        .zcard(k.queueShared('active'))
        .zrange(k.queueShared('delayed'), 0, 0, 'WITHSCORES')
        .zrange(k.queueShared('leases'), 0, 0, 'WITHSCORES')
        .time(),
    );
    if ((activeKeys as number) > 0) return 0;
    const due = [delayed, leases].map((pair) => (pair as string[])[1]).filter((v): v is string => v !== undefined).map(Number);
    if (due.length === 0) return undefined;
    // Due on Redis's clock: handed back in ours.
    return Math.min(...due) - serverMs(time as [string, string]) + this.clock();
  }

  async removeFinished(jobId: string): Promise<boolean> {
    const job = await this.get(jobId);
    if (!job) return false;
    const ref = payloadRef(job);
    const [removed, ...chunks] = await runScript<[number, ...string[]]>(this.redis, 'removeFinishedJob', this.keys.removeFinishedKeys({ id: jobId, ref }), [jobId]);
    if (ref) await this.payloads.follow(ref, chunks);
    return removed === 1;
  }

  async close(): Promise<void> {}

  async claimDirect(job: JobRecord): Promise<ClaimResult> {
    const entries = this.repeatEntries(job);
    const [code, id] = await runScript<[number, string?]>(
      this.redis,
      'claimDirectJob',
      this.keys.claimDirectKeys(entries),
      [job.id, this.limits.leaseMs, this.limits.resultTtlMs, job.idempotencyKey ? 1 : 0, entries.dedupe ? 1 : 0, ...encodeJob(job)],
    );
    if (code === 0) return { kind: 'backlog' };
    if (code === 1) return { kind: 'claimed' };
    const existing = await this.get(id!);
    // The earlier job expired in between: nothing to wait for, and nothing waits, so claim again.
    return existing ? { kind: 'existing', job: existing } : this.claimDirect(job);
  }

  async finishDirect(job: JobRecord, outcome: JobOutcome): Promise<boolean> {
    const [field, value] = outcome.status === 'done' ? ['result', outcome.result] : ['error', outcome.error];
    const notice = this.finishNotice(job.id);
    const ended = await runScript<number>(
      this.redis,
      'finishDirectJob',
      this.keys.finishDirectKeys(job.id),
      [job.id, outcome.status, field, JSON.stringify(value), this.limits.resultTtlMs, finishedListed, notice.channel, notice.message, outcome.attempts ?? ''],
    );
    if (ended !== 1) return false;
    this.signals?.heardHere(job.id);
    return true;
  }

  async dropDirect(job: JobRecord): Promise<boolean> {
    const notice = this.finishNotice(job.id);
    const dropped = await runScript<number>(this.redis, 'dropDirectJob', this.keys.dropDirectKeys(this.repeatEntries(job)), [job.id, notice.channel, notice.message]);
    if (dropped !== 1) return false;
    this.signals?.heardHere(job.id);
    return true;
  }

  /** The notice a finishing script publishes for the job's waiters on every instance. */
  private finishNotice(jobId: string): { channel: string; message: string } {
    return this.signals?.finishNotice(jobId) ?? { channel: this.keys.queueChannel('finished'), message: `- ${jobId}` };
  }

  /** What a repeat of the job is found by: its Idempotency-Key and (with dedupe on) the digest of the upload. */
  private repeatEntries(job: JobRecord): { id: string; keyId: string; idempotency?: string; dedupe?: string } {
    const dedupe = this.limits.dedupe ? dedupeDigest(job) : undefined;
    const idempotency = idempotencyScope(job);
    return { id: job.id, keyId: job.keyId, ...(idempotency !== undefined && { idempotency }), ...(dedupe !== undefined && { dedupe }) };
  }

  private async results(pipeline: ReturnType<RedisClient['pipeline']>): Promise<unknown[]> {
    const replies = (await pipeline.exec()) ?? [];
    return replies.map(([error, value]) => {
      if (error) throw error;
      return value;
    });
  }
}
