import type { QuotaPolicy } from '../config/schema.js';
import type { ApiKeyRecord } from '../keys/types.js';

/** One window of one quota subject, after a decision or on a read. */
export interface QuotaWindowState {
  /** `key` windows count the API key's uploads; `ip` windows the client IP's (IPv6 grouped by /64). */
  scope: 'key' | 'ip';
  /** Policy name used in the RateLimit headers, e.g. `key-1h`, `ip-1d`. */
  name: string;
  limit: number;
  windowMs: number;
  used: number;
  remaining: number;
  /** Epoch ms when the window ends (now + window for a window not started yet). */
  resetAt: number;
}

export interface AdmissionDecision {
  admitted: boolean;
  policy: QuotaPolicy;
  windows: QuotaWindowState[];
  /** Set when rejected: when a retry can be admitted. */
  retryAfterSeconds?: number;
}

export interface Admission {
  /** One atomic check-and-charge of every window (one Redis round trip). Throws GatewayError('storeUnavailable') when the store is down and the policy is fail-closed. */
  admit(key: ApiKeyRecord, clientIp: string): Promise<AdmissionDecision>;
  /** Gives back what an admitted request was charged, when its input turned out to be bad. */
  refund(key: ApiKeyRecord, clientIp: string): Promise<void>;
  /** The windows of a key (and of an IP when given) without charging. */
  usage(key: ApiKeyRecord, clientIp?: string): Promise<QuotaWindowState[]>;
  /** Clears a key's counters (admin reset). */
  resetKey(key: ApiKeyRecord): Promise<void>;
  /** The client IPs (grouped as admitted) with the most admitted uploads recently, busiest first. */
  topIps(limit: number): Promise<Array<{ ip: string; windows: QuotaWindowState[] }>>;
  /** Finishes pending writes (the embedded store saves its counts in the spool). */
  close(): Promise<void>;
}
