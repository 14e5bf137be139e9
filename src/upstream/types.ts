import type { PayloadStore } from '../store/payload-store.js';
import type { UploadRequest, UpstreamImage } from '../uploads/types.js';

/** A lane: one upstream credential, optionally bound to one egress address. */
export interface Lane {
  id: string;
  clientId: string;
  localAddress?: string;
}

/**
 * One budget as one upstream answer reported it. Units are the header's: POSTs for `post`, credits
 * for `user` and `client` (an upload costs several).
 */
export interface BudgetReport {
  limit?: number;
  remaining: number;
  /** Until the budget resets, ms from the answer: exact for a countdown or an epoch, else an upper bound. */
  resetInMs: number;
  /** False when the header gave the window's length rather than when it ends. */
  exact: boolean;
}

/** What the upstream said about its budgets in one answer (all optional: upstreams vary). */
export interface RateLimitObservation {
  /** X-Post-Rate-Limit-*: POSTs per egress address. */
  post?: BudgetReport;
  /** X-RateLimit-User*: the egress address's credits. */
  user?: BudgetReport;
  /** X-RateLimit-Client*: the credential's credits. */
  client?: BudgetReport;
  /** Retry-After of a 429/503, ms from the answer. */
  retryAfterMs?: number;
}

/** One upstream attempt's outcome, already classified. */
export type UpstreamAnswer =
  | { kind: 'ok'; image: UpstreamImage; limits: RateLimitObservation }
  /** 429 / "limit reached": the lane is out of budget until `limits` says; the job goes back, no attempt counted. */
  | {
      kind: 'rate-limited';
      message: string;
      limits: RateLimitObservation;
      /** "Please wait 37 more minutes": the wait the body asks for, ms. */
      waitMs?: number;
      /** Whose limit the body names: the egress address ("uploading too fast") or the credential (its credits). */
      subject?: 'address' | 'client';
    }
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
