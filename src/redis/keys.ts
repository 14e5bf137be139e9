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
}
