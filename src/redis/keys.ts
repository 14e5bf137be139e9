/**
 * The one place that names Redis keys. Every name starts with the configured prefix, so several
 * gateways (or test runs) can share one Redis without touching each other's data.
 *
 * Hash tags decide where keys live in a Redis Cluster; every script's keys share one tag, so each
 * script runs on one slot (test/redis/key-slots.test.ts checks every script):
 * - `{quota}`: every quota counter and the recent-IPs ranking. A decision combines a key's and an
 *   IP's windows atomically, and any key meets any IP, so they cannot be split by key or IP: one
 *   shard carries all admission. That work is one small script per upload (microseconds), far
 *   below what one shard serves; the bytes, the bulk of the data, are spread (below).
 * - `{apikeys}`: stored API keys and their index.
 * - `{queue}`: the upload queue, job records, and payload metadata (so finishing a job can drop its
 *   payload reference in the same script).
 * - no tag: payload chunks, each its own key, spread over every shard.
 * Lane budgets (`{lanes}`), usage history (`{usage}`) and operator holds (`{ops}`) are named by
 * their own methods below, each script's keys under one of those tags.
 */
export class RedisKeys {
  constructor(readonly prefix: string) {}

  /** Fixed-window counter of one quota subject (`key:<id>` or `ip:<addr>`) for one window length. */
  counter(subject: string, windowMs: number): string {
    return `${this.prefix}{quota}:${subject}:${windowMs}`;
  }

  /** Sorted set of client IPs (as grouped for quotas) by admitted uploads, for the busiest-IPs view. */
  recentIps(): string {
    return `${this.prefix}{quota}:recent-ips`;
  }

  /** A counter only readiness probes name (with limit 0, so it is never written). */
  quotaProbe(): string {
    return `${this.prefix}{quota}:probe`;
  }

  /** Keys of one admission (admit, refund): the window counters, then the ranking. */
  admissionKeys(counters: readonly string[]): string[] {
    return [...counters, this.recentIps()];
  }

  /** Hash of one stored API key record, by the SHA-256 of its secret. */
  apiKeyBySecretHash(secretHash: string): string {
    return `${this.prefix}{apikeys}:key:${secretHash}`;
  }

  /** Hash of id → secret hash for every stored API key. */
  apiKeyIndex(): string {
    return `${this.prefix}{apikeys}:index`;
  }

  /** Channel on which key changes are announced, so every instance drops its cache. */
  apiKeyChanges(): string {
    return `${this.prefix}{apikeys}:changed`;
  }

  /** Names of before the Cluster key scheme, read once to carry stored keys over (see RedisKeyStore.migrate). */
  legacyApiKeyIndex(): string {
    return `${this.prefix}apikeys`;
  }

  legacyApiKeyBySecretHash(secretHash: string): string {
    return `${this.prefix}apikey:${secretHash}`;
  }

  /**
   * Hash of one payload by content address: which blob holds its bytes, their size and chunk count,
   * the jobs that own it (`refs`), the requests holding it (`holds`, until `held`) and the failed
   * records keeping it (`kept`, until `keep`). See src/store/redis-payload-lifetime.ts.
   */
  payloadMeta(sha256: string): string {
    return `${this.queueBase()}payload:${sha256}`;
  }

  /** ZSET of the payloads jobs own (SHA-256 -> epoch ms their chunks are known to live until), for their renewal. */
  payloadRenewals(): string {
    return `${this.queueBase()}payload-renewals`;
  }

  /** One chunk (≤ 256 KB) of a blob; untagged, so a payload's chunks spread over the Cluster. */
  payloadChunk(blobId: string, index: number): string {
    return `${this.prefix}payload:${blobId}:${index}`;
  }

  /** Key prefix handed to rate-limiter-flexible limiters (it appends its own key; each command touches one key). */
  limiterPrefix(name: string): string {
    return `${this.prefix}rl:${name}`;
  }

  /**
   * Base of every upload-queue key. The `{queue}` hash tag keeps them in one Cluster slot, so the
   * queue scripts may build job and per-key list names from it (they are only known inside a script).
   */
  queueBase(): string {
    return `${this.prefix}{queue}:`;
  }

  /** Hash of one job record. */
  queueJob(jobId: string): string {
    return `${this.queueBase()}job:${jobId}`;
  }

  /** FIFO list of one key's waiting job ids. */
  queueWaiting(keyId: string): string {
    return `${this.queueBase()}wait:${keyId}`;
  }

  /** Idempotency-Key of one key → job id. */
  queueIdempotency(keyId: string, idempotencyKey: string): string {
    return `${this.queueBase()}idem:${keyId}:${idempotencyKey}`;
  }

  /** Dedupe digest (bytes, upstream identity, fields: see job-record.ts) of one key → job id. */
  queueDedupe(keyId: string, digest: string): string {
    return `${this.queueBase()}dedupe:${keyId}:${digest}`;
  }

  /** Marks a job id the gateway answered 503 for, so an enqueue of it that arrives late creates nothing. */
  queueRefused(jobId: string): string {
    return `${this.queueBase()}refused:${jobId}`;
  }

  /** Queue-wide keys: counters/tags hash, active-keys ZSET, leases, delayed, waiting and finished ZSETs. */
  queueShared(name: 'state' | 'active' | 'leases' | 'delayed' | 'waiting' | 'finished' | 'held'): string {
    return `${this.queueBase()}${name}`;
  }

  /**
   * Keys of an enqueue: queue state, the job, its key's list, its Idempotency-Key and dedupe entries,
   * its refusal mark, its payload's metadata (the job takes it over) and the payload renewals.
   */
  enqueueKeys(job: { id: string; keyId: string; idempotency?: string | undefined; dedupe?: string | undefined; ref?: string | undefined }): string[] {
    return [
      this.queueShared('state'),
      this.queueShared('active'),
      this.queueShared('waiting'),
      this.queueJob(job.id),
      this.queueWaiting(job.keyId),
      this.queueIdempotency(job.keyId, job.idempotency ?? ''),
      this.queueDedupe(job.keyId, job.dedupe ?? ''),
      this.queueRefused(job.id),
      this.payloadMeta(job.ref ?? ''),
      this.payloadRenewals(),
    ];
  }

  /** Keys of reading a waiting job's place in fair order: active keys, queue state, its key's list. */
  fairOrderKeys(keyId: string): string[] {
    return [this.queueShared('active'), this.queueShared('state'), this.queueWaiting(keyId)];
  }

  /** Job id leased under one lease token, for the lease's lifetime. */
  queueLease(token: string): string {
    return `${this.queueBase()}lease:${token}`;
  }

  /** Keys of a dequeue: state, active keys, waiting, leases, delayed, the new lease's token entry. */
  dequeueKeys(token: string): string[] {
    return [...(['state', 'active', 'waiting', 'leases', 'delayed'] as const).map((name) => this.queueShared(name)), this.queueLease(token)];
  }

  /**
   * Keys of a finish: every queue set, the job, its key's list, its payload's metadata (released or
   * kept in the same step), the lease's token entry, the payload renewals.
   */
  finishKeys(job: { id: string; keyId: string; ref?: string | undefined }, token: string): string[] {
    return [
      ...(['state', 'active', 'waiting', 'leases', 'delayed', 'finished'] as const).map((name) => this.queueShared(name)),
      this.queueJob(job.id),
      this.queueWaiting(job.keyId),
      this.payloadMeta(job.ref ?? ''),
      this.queueLease(token),
      this.payloadRenewals(),
    ];
  }

  /** Keys of purging a finished job: the job, the finished set, its payload's metadata (a failed job's is kept until then). */
  removeFinishedKeys(job: { id: string; ref?: string | undefined }): string[] {
    return [this.queueJob(job.id), this.queueShared('finished'), this.payloadMeta(job.ref ?? '')];
  }

  /** Keys of a cut-through claim: active keys (the backlog), the job, its Idempotency-Key and dedupe entries. */
  claimDirectKeys(job: { id: string; keyId: string; idempotency?: string | undefined; dedupe?: string | undefined }): string[] {
    return [this.queueShared('active'), this.queueJob(job.id), this.queueIdempotency(job.keyId, job.idempotency ?? ''), this.queueDedupe(job.keyId, job.dedupe ?? '')];
  }

  /** Keys of undoing a cut-through claim: the job, its Idempotency-Key and dedupe entries. */
  dropDirectKeys(job: { id: string; keyId: string; idempotency?: string | undefined; dedupe?: string | undefined }): string[] {
    return this.claimDirectKeys(job).slice(1);
  }

  /** Keys of a cut-through finish: the job, the finished set. */
  finishDirectKeys(jobId: string): string[] {
    return [this.queueJob(jobId), this.queueShared('finished')];
  }

  /** Keys of a requeue: leases, delayed, waiting, the job, the lease's token entry. */
  requeueKeys(jobId: string, token: string): string[] {
    return [this.queueShared('leases'), this.queueShared('delayed'), this.queueShared('waiting'), this.queueJob(jobId), this.queueLease(token)];
  }

  /** Keys of holding a job accepted for another upstream: leases, held, waiting, the job, the lease's token entry. */
  holdKeys(jobId: string, token: string): string[] {
    return [this.queueShared('leases'), this.queueShared('held'), this.queueShared('waiting'), this.queueJob(jobId), this.queueLease(token)];
  }

  /** Keys of settling an enqueue whose reply was lost: the job, and its refusal mark. */
  refuseKeys(jobId: string): string[] {
    return [this.queueJob(jobId), this.queueRefused(jobId)];
  }

  /** Keys of storing a payload's metadata (commit), taking a hold on it (retain) or dropping one (release). */
  payloadKeys(sha256: string): string[] {
    return [this.payloadMeta(sha256)];
  }

  /** Keys of checking what a payload's chunks must become: its metadata, the payload renewals. */
  payloadChunkKeys(sha256: string): string[] {
    return [this.payloadMeta(sha256), this.payloadRenewals()];
  }

  /** Pub/sub channels: `enqueued` wakes dispatchers, `finished` wakes synchronous waiters on every instance. */
  queueChannel(name: 'enqueued' | 'finished'): string {
    return `${this.prefix}queue-events:${name}`;
  }

  /** Hash of operator-facing totals (uploads by outcome, upstream answers by status), shared by every instance. */
  sharedTotals(group: 'uploads' | 'upstream'): string {
    return `${this.prefix}{stats}:totals:${group}`;
  }

  /**
   * Budget record of one lane subject (`address:…`/`client:…`): every window, pause and hold of it in
   * one hash. The `{lanes}` hash tag keeps a lane's address and credential in one Cluster slot, so one
   * script reserves both.
   */
  laneSubject(subject: string): string {
    return `${this.prefix}{lanes}:subject:${subject}`;
  }

  /** Usage history of one subject (`key:<id>`, `lane:<id>`, `all`) for one UTC day (days since the epoch). */
  usageHistory(subject: string, day: number): string {
    return `${this.prefix}{usage}:${subject}:${day}`;
  }

  /** Hash of what an operator holds: `queue`, `lane:<id>` → epoch ms the hold ends (`inf`: until resumed). */
  operatorHolds(): string {
    return `${this.prefix}{ops}:holds`;
  }
}
