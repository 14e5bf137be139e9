import type { PayloadStore } from '../store/payload-store.js';
import type { UploadRequest, UpstreamImage } from '../uploads/types.js';

/** A lane: one upstream credential, optionally bound to one egress address. */
export interface Lane {
  id: string;
  clientId: string;
  localAddress?: string;
}

/** What the upstream said about its remaining budget in one answer (all optional: upstreams vary). */
export interface RateLimitObservation {
  /** The egress address's budget: X-Post-Rate-Limit-* or X-RateLimit-User*. */
  address?: { limit?: number; remaining: number; resetAt: number };
  /** The credential's budget: X-RateLimit-Client*. */
  client?: { limit?: number; remaining: number; resetAt: number };
  /** Retry-After of a 429/503, as epoch ms. */
  retryAt?: number;
}

/** One upstream attempt's outcome, already classified. */
export type UpstreamAnswer =
  | { kind: 'ok'; image: UpstreamImage; limits: RateLimitObservation }
  /** 429 / "limit reached": the lane is out of budget until `limits` says; the job goes back, no attempt counted. */
  | { kind: 'rate-limited'; message: string; limits: RateLimitObservation }
  /** 5xx, timeout, reset: worth retrying. `timeout` decides 504 vs 502 when attempts run out. */
  | { kind: 'retryable'; message: string; timeout: boolean; limits: RateLimitObservation }
  /** 4xx other than 429 (bad image…): fails at once with the upstream's message and status. */
  | { kind: 'rejected'; message: string; status: number; limits: RateLimitObservation };

export interface UpstreamClient {
  /**
   * Sends one upload through `lane`, streaming the payload from `payloads` (default: the client's
   * own store; the cut-through passes the bytes this process holds); never throws for upstream failures.
   */
  send(lane: Lane, upload: UploadRequest, payloads?: PayloadStore): Promise<UpstreamAnswer>;
  close(): Promise<void>;
}
