import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import { activationTag } from './fair-order.js';
import { dedupeDigest, idempotencyScope, type JobRecord } from './job-record.js';
import { JobSpool } from './job-spool.js';
import type { ClaimResult, EnqueueResult, FairOrder, JobListFilter, JobOutcome, JobStore, LeasedJob, StoreCounts, StoreLimits } from './job-store.js';

/**
 * The embedded store: the same scheduling as the Redis scripts, in one process, with every job
 * state change written to the spool before it is acted on. On start, jobs that were leased go back
 * to the head of their key's list (their forward may or may not have landed: at-least-once).
 */
export class MemoryJobStore implements JobStore {
  private readonly jobs = new Map<string, JobRecord>();
  private readonly waiting = new Map<string, string[]>();
  /** Active keys → start tag of their head job. */
  private readonly active = new Map<string, number>();
  private readonly lastFinish = new Map<string, number>();
  private readonly weights = new Map<string, number>();
  private readonly leases = new Map<string, { token: string; expiresAt: number }>();
  private readonly delayed = new Map<string, number>();
  private readonly held = new Set<string>();
  /** `<keyId>\n<scoped Idempotency-Key or dedupe digest>` → job id (see job-record.ts). */
  private readonly idempotency = new Map<string, string>();
  private readonly dedupe = new Map<string, string>();
  private virtualTime = 0;
  private seq = 0;

  private constructor(
    private readonly spool: JobSpool,
    private readonly limits: StoreLimits,
    private readonly clock: Clock,
    private readonly forgotten: (job: JobRecord) => void,
  ) {}

  /**
   * Opens the spool and recovers its jobs: `recovered` are those still to be sent, `keeping` the
   * failed ones still kept with their payloads. `forgotten` hears of every finished job the store
   * drops (expired or purged), so a failed job's payload goes with it.
   */
  static async open(
    spoolDir: string,
    limits: StoreLimits,
    clock: Clock,
    forgotten: (job: JobRecord) => void = () => {},
  ): Promise<{ store: MemoryJobStore; recovered: JobRecord[]; keeping: JobRecord[] }> {
    const store = new MemoryJobStore(new JobSpool(spoolDir), limits, clock, forgotten);
    const recovered: JobRecord[] = [];
    const keeping: JobRecord[] = [];
    for (const job of (await store.spool.load()).sort((a, b) => a.seq - b.seq)) {
      store.seq = Math.max(store.seq, job.seq);
      if (job.status === 'done' || job.status === 'failed') {
        // An expired record's payload has no reference after a restart: the payload store drops it.
        if ((job.finishedAt ?? 0) + limits.resultTtlMs <= clock()) await store.spool.remove(job.id);
        else {
          store.remember(job);
          if (job.keepsPayload) keeping.push(job);
        }
        continue;
      }
      job.status = 'queued';
      store.remember(job);
      // A held job stays held across restarts: only a release (or recoverToNewUpstream) sends it.
      if (job.held) store.held.add(job.id);
      else store.push(job, false);
      recovered.push(job);
    }
    return { store, recovered, keeping };
  }

  async enqueue(job: JobRecord, weight: number): Promise<EnqueueResult> {
    this.sweep();
    // A job the cut-through claimed under this id is taken over, not a repeat of itself.
    const repeated = this.repeatOf(job);
    if (repeated && repeated.id !== job.id) return { kind: 'existing', job: repeated };

    const counts = this.unfinished();
    if (counts.jobs + 1 > this.limits.maxJobs) return { kind: 'overloaded', limit: 'jobs' };
    if (counts.bytes + job.size > this.limits.maxBytes) return { kind: 'overloaded', limit: 'bytes' };
    if ((counts.byKey[job.keyId] ?? 0) + 1 > this.limits.maxJobsPerKey) return { kind: 'overloaded', limit: 'perKey' };

    // Taken in memory before the write, so concurrent submits see it; undone if the spool fails.
    const stored: JobRecord = { ...job, seq: ++this.seq };
    delete stored.direct;
    this.weights.set(job.keyId, weight);
    this.remember(stored);
    this.push(stored, false);
    try {
      await this.spool.write(stored);
    } catch (error) {
      this.unlink(stored);
      this.jobs.delete(stored.id);
      throw error;
    }
    return { kind: 'created', job: { ...stored } };
  }

  async dequeue(laneId: string): Promise<LeasedJob | undefined> {
    const now = this.clock();
    await this.returnDue(now);
    for (;;) {
      const head = this.fairestKey();
      if (!head) return undefined;
      const [keyId, start] = head;
      const list = this.waiting.get(keyId)!;
      const id = list.shift();
      const finish = start + 1 / (this.weights.get(keyId) ?? 1);
      if (list.length > 0) this.active.set(keyId, finish);
      else {
        this.active.delete(keyId);
        this.waiting.delete(keyId);
        this.lastFinish.set(keyId, finish);
      }
      const job = id ? this.jobs.get(id) : undefined;
      if (!job) continue;
      this.virtualTime = start;
      job.status = 'active';
      job.lane = laneId;
      const token = randomUUID();
      this.leases.set(job.id, { token, expiresAt: now + this.limits.leaseMs });
      await this.spool.write(job);
      // `more` only when true: asking this store what is due next costs no round trip.
      return { job: { ...job }, token, ...(this.active.size > 0 && { more: true }) };
    }
  }

  async finish(leased: LeasedJob, outcome: JobOutcome): Promise<boolean> {
    const job = this.jobs.get(leased.job.id);
    if (!job || job.status === 'done' || job.status === 'failed') return false;
    this.unlink(job);
    Object.assign(job, outcome, { finishedAt: this.clock() });
    // A failed job keeps its payload with its record, so an operator can retry it (released when forgotten).
    if (outcome.status === 'failed' && job.source.kind === 'payload') job.keepsPayload = true;
    await this.spool.write(job);
    return true;
  }

  async requeue(leased: LeasedJob, dueAt: number, countAttempt: boolean): Promise<boolean> {
    const job = this.jobs.get(leased.job.id);
    if (!job || this.leases.get(job.id)?.token !== leased.token) return false;
    this.leases.delete(job.id);
    this.delayed.set(job.id, dueAt);
    job.status = 'queued';
    if (countAttempt) job.attempts += 1;
    await this.spool.write(job);
    return true;
  }

  async hold(leased: LeasedJob): Promise<boolean> {
    const job = this.jobs.get(leased.job.id);
    if (!job || this.leases.get(job.id)?.token !== leased.token) return false;
    this.leases.delete(job.id);
    this.held.add(job.id);
    job.status = 'queued';
    job.held = true;
    await this.spool.write(job);
    return true;
  }

  async releaseHeld(upstream: string): Promise<number> {
    const now = this.clock();
    const released = [...this.held].map((id) => this.jobs.get(id)).filter((job): job is JobRecord => job !== undefined);
    for (const job of released) {
      this.held.delete(job.id);
      delete job.held;
      job.upstream = upstream;
      this.delayed.set(job.id, now);
      await this.spool.write(job);
    }
    return released.length;
  }

  async get(jobId: string): Promise<JobRecord | undefined> {
    this.sweep();
    const job = this.jobs.get(jobId);
    return job && { ...job };
  }

  async fairOrder(job: JobRecord): Promise<FairOrder | undefined> {
    const index = this.waiting.get(job.keyId)?.indexOf(job.id) ?? -1;
    if (index < 0) return undefined;
    return {
      keyId: job.keyId,
      index,
      keys: [...this.active].map(([keyId, start]) => ({ keyId, start, weight: this.weights.get(keyId) ?? 1, length: this.waiting.get(keyId)?.length ?? 0 })),
    };
  }

  async counts(): Promise<StoreCounts> {
    const { bytes, byKey } = this.unfinished();
    let depth = 0;
    let oldestCreatedAt: number | undefined;
    for (const job of this.jobs.values()) {
      if (job.status !== 'queued') continue;
      depth++;
      oldestCreatedAt = Math.min(oldestCreatedAt ?? job.createdAt, job.createdAt);
    }
    const counts: StoreCounts = { depth, active: this.leases.size, held: this.held.size, bytes, byKey };
    if (oldestCreatedAt !== undefined) counts.oldestCreatedAt = oldestCreatedAt;
    return counts;
  }

  async list(filter: JobListFilter): Promise<JobRecord[]> {
    this.sweep();
    return [...this.jobs.values()]
      .filter((job) => (!filter.status || job.status === filter.status) && (!filter.keyId || job.keyId === filter.keyId))
      .sort((a, b) => b.seq - a.seq)
      .slice(0, filter.limit)
      .map((job) => ({ ...job }));
  }

  async nextWorkAt(): Promise<number | undefined> {
    if (this.active.size > 0) return 0;
    const due = [...this.delayed.values(), ...[...this.leases.values()].map((l) => l.expiresAt)];
    return due.length > 0 ? Math.min(...due) : undefined;
  }

  /** An in-process enqueue never loses its reply: whatever was stored is the answer. */
  async settleLostEnqueue(jobId: string): Promise<JobRecord | undefined> {
    return this.get(jobId);
  }

  async close(): Promise<void> {}

  async claimDirect(job: JobRecord): Promise<ClaimResult> {
    this.sweep();
    const repeated = this.repeatOf(job);
    if (repeated) return { kind: 'existing', job: { ...repeated } };
    if (this.active.size > 0) return { kind: 'backlog' };
    // In memory only: the bytes are held by this process, so a crash loses both together.
    this.remember({ ...job, status: 'active', direct: true, seq: ++this.seq });
    return { kind: 'claimed' };
  }

  async finishDirect(job: JobRecord, outcome: JobOutcome): Promise<boolean> {
    const claimed = this.jobs.get(job.id);
    if (!claimed?.direct) return false;
    delete claimed.direct;
    Object.assign(claimed, outcome, { finishedAt: this.clock() });
    // Kept in the spool like any finished job, so repeats are answered after a restart too.
    await this.spool.write(claimed);
    return true;
  }

  async dropDirect(job: JobRecord): Promise<boolean> {
    const claimed = this.jobs.get(job.id);
    if (!claimed?.direct) return false;
    await this.forget(claimed);
    return true;
  }

  /** The earlier job a repeat is answered by: same Idempotency-Key, or (dedupe) same bytes and not failed. */
  private repeatOf(job: JobRecord): JobRecord | undefined {
    const idemKey = idempotencyEntry(job);
    const earlier = idemKey ? this.jobs.get(this.idempotency.get(idemKey) ?? '') : undefined;
    if (earlier) return earlier;
    const dedupeKey = this.limits.dedupe ? dedupeEntry(job) : undefined;
    const same = dedupeKey ? this.jobs.get(this.dedupe.get(dedupeKey) ?? '') : undefined;
    return same && same.status !== 'failed' ? same : undefined;
  }

  private remember(job: JobRecord): void {
    this.jobs.set(job.id, job);
    const idemKey = idempotencyEntry(job);
    const dedupeKey = dedupeEntry(job);
    if (idemKey) this.idempotency.set(idemKey, job.id);
    if (dedupeKey) this.dedupe.set(dedupeKey, job.id);
  }

  /** Appends a job to its key's list (or returns it to the head), activating the key if it was idle. */
  private push(job: JobRecord, atHead: boolean): void {
    const list = this.waiting.get(job.keyId) ?? [];
    this.waiting.set(job.keyId, list);
    if (atHead) list.unshift(job.id);
    else list.push(job.id);
    if (this.active.has(job.keyId)) return;
    const last = this.lastFinish.get(job.keyId);
    // A returned job gets back the charge taken when it was dequeued, so it keeps its turn.
    const charge = atHead && last !== undefined ? 1 / (this.weights.get(job.keyId) ?? 1) : 0;
    this.active.set(job.keyId, activationTag(this.virtualTime, last === undefined ? undefined : last - charge));
  }

  private async returnDue(now: number): Promise<void> {
    const due: JobRecord[] = [];
    for (const [id, at] of this.delayed) if (at <= now) due.push(this.jobs.get(id)!);
    for (const [id, lease] of this.leases) if (lease.expiresAt <= now) due.push(this.jobs.get(id)!);
    // newest first, so the oldest ends at the head of its key's list
    for (const job of due.sort((a, b) => b.seq - a.seq)) {
      this.delayed.delete(job.id);
      this.leases.delete(job.id);
      job.status = 'queued';
      this.push(job, true);
      await this.spool.write(job);
    }
  }

  /** The active key with the smallest start tag (ties by key id, as a Redis ZSET orders them). */
  private fairestKey(): [string, number] | undefined {
    let best: [string, number] | undefined;
    for (const entry of this.active) if (!best || entry[1] < best[1] || (entry[1] === best[1] && entry[0] < best[0])) best = entry;
    return best;
  }

  /** Takes a job out of every waiting structure (it may be leased, delayed or back in its list). */
  private unlink(job: JobRecord): void {
    this.leases.delete(job.id);
    this.held.delete(job.id);
    this.delayed.delete(job.id);
    const list = this.waiting.get(job.keyId);
    const index = list?.indexOf(job.id) ?? -1;
    if (list && index >= 0) {
      list.splice(index, 1);
      if (list.length === 0) {
        this.lastFinish.set(job.keyId, this.active.get(job.keyId) ?? this.virtualTime);
        this.active.delete(job.keyId);
        this.waiting.delete(job.keyId);
      }
    }
  }

  private unfinished(): { jobs: number; bytes: number; byKey: Record<string, number> } {
    const byKey: Record<string, number> = {};
    let jobs = 0;
    let bytes = 0;
    for (const job of this.jobs.values()) {
      // Cut-through jobs take no room in the queue: they are not in it.
      if (job.status === 'done' || job.status === 'failed' || job.direct) continue;
      jobs++;
      bytes += job.size;
      byKey[job.keyId] = (byKey[job.keyId] ?? 0) + 1;
    }
    return { jobs, bytes, byKey };
  }

  /** Forgets finished jobs past resultTtl (the Redis store lets them EXPIRE). */
  private sweep(): void {
    const cutoff = this.clock() - this.limits.resultTtlMs;
    for (const job of this.jobs.values()) {
      if (job.finishedAt === undefined || job.finishedAt > cutoff) continue;
      void this.forget(job);
    }
  }

  /** Drops a finished job and the idempotency and dedupe entries that still point at it. */
  private forget(job: JobRecord): Promise<void> {
    this.jobs.delete(job.id);
    this.forgotten(job);
    const idemKey = idempotencyEntry(job);
    const dedupeKey = dedupeEntry(job);
    if (idemKey && this.idempotency.get(idemKey) === job.id) this.idempotency.delete(idemKey);
    if (dedupeKey && this.dedupe.get(dedupeKey) === job.id) this.dedupe.delete(dedupeKey);
    return this.spool.remove(job.id);
  }

  async removeFinished(jobId: string): Promise<boolean> {
    const job = this.jobs.get(jobId);
    if (!job || (job.status !== 'done' && job.status !== 'failed')) return false;
    await this.forget(job);
    return true;
  }
}

function idempotencyEntry(job: JobRecord): string | undefined {
  const scope = idempotencyScope(job);
  return scope === undefined ? undefined : `${job.keyId}\n${scope}`;
}

function dedupeEntry(job: JobRecord): string | undefined {
  const digest = dedupeDigest(job);
  return digest === undefined ? undefined : `${job.keyId}\n${digest}`;
}
