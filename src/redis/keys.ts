/**
 * The one place that names Redis keys. Every name starts with the configured prefix, so
 * several gateways (or test runs) can share one Redis without touching each other's data.
 */
export class RedisKeys {
  constructor(readonly prefix: string) {}

  /** Fixed-window counter of one quota subject (`key:<id>` or `ip:<addr>`) for one window length. */
  counter(subject: string, windowMs: number): string {
    return `${this.prefix}quota:${subject}:${windowMs}`;
  }

  /** Sorted set of client IPs (as grouped for quotas) by admitted uploads, for the busiest-IPs view. */
  recentIps(): string {
    return `${this.prefix}quota:recent-ips`;
  }

  /** Hash of one stored API key record, by the SHA-256 of its secret. */
  apiKeyBySecretHash(secretHash: string): string {
    return `${this.prefix}apikey:${secretHash}`;
  }

  /** Hash of id → secret hash for every stored API key. */
  apiKeyIndex(): string {
    return `${this.prefix}apikeys`;
  }

  /** Channel on which key changes are announced, so every instance drops its cache. */
  apiKeyChanges(): string {
    return `${this.prefix}apikeys:changed`;
  }

  /** Payload bytes by content address, and their reference count. */
  payload(sha256: string): string {
    return `${this.prefix}payload:${sha256}`;
  }

  payloadRefs(sha256: string): string {
    return `${this.prefix}payload:${sha256}:refs`;
  }

  /** A payload still streaming in, before its content address is known. */
  payloadUpload(uploadId: string): string {
    return `${this.prefix}payload-upload:${uploadId}`;
  }

  /** Key prefix handed to rate-limiter-flexible limiters (it appends its own key). */
  limiterPrefix(name: string): string {
    return `${this.prefix}rl:${name}`;
  }

  /** Epoch ms before which a fresh window of one lane subject (`address:…`/`client:…`) may not open. */
  laneNotBefore(subject: string, windowMs: number): string {
    return `${this.prefix}lane-not-before:${subject}:${windowMs}`;
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

  /** Queue-wide keys: counters/tags hash, active-keys ZSET, leases, delayed, waiting and finished ZSETs. */
  queueShared(name: 'state' | 'active' | 'leases' | 'delayed' | 'waiting' | 'finished'): string {
    return `${this.queueBase()}${name}`;
  }

  /** Pub/sub channels: `enqueued` wakes dispatchers, `finished` wakes synchronous waiters on every instance. */
  queueChannel(name: 'enqueued' | 'finished'): string {
    return `${this.prefix}queue-events:${name}`;
  }
}
