import type { QueueOperator } from './queue-operator.js';
import type { JobView, UploadService } from '../uploads/types.js';

/** One window of a lane's upstream budget. */
export interface LaneWindowSnapshot {
  /** `address` windows belong to the egress address, `client` windows to the credential. */
  scope: 'address' | 'client';
  limit: number;
  windowMs: number;
  remaining: number;
  resetAt: number;
  /** Set for a window the upstream told us about (not from config): its `post:`/`user:` name. */
  learned?: string;
}

/** A credential's credits (the upstream counts credits; an upload costs `uploadCost`). */
export interface LaneCreditsSnapshot {
  limit: number;
  /** Credits left in the current window, the reserve included. */
  remaining: number;
  /** Credits never spent. */
  reserve: number;
  uploadCost: number;
  windowMs: number;
  /** When the window resets; 0 while it has not started. */
  resetAt: number;
  /** What the upstream last reported (X-RateLimit-Client*), and when. */
  upstream?: { limit?: number; remaining: number; at: number };
}

export interface LaneSnapshot {
  id: string;
  localAddress?: string;
  windows: LaneWindowSnapshot[];
  /** Uploads the lane may send now (the smallest remaining of its windows, 0 while paused). */
  remaining: number;
  /** Set while an upstream 429 pauses the lane: epoch ms when it resumes. */
  pausedUntil?: number;
  /** Which subject is paused, and until when: the egress address, the credential. */
  pauses?: { address?: number; client?: number };
  credits?: LaneCreditsSnapshot;
}

export interface QueueStats {
  depth: number;
  bytes: number;
  /** Jobs being sent upstream right now (leased). */
  active: number;
  oldestAgeMs: number;
  /** When the current backlog is expected to be drained, from lane budgets and resets (epoch ms). */
  drainEta: number;
  /** Waiting jobs per key id. */
  byKey: Record<string, number>;
  /** Waiting jobs held because they were accepted for another upstream (counted in depth too). */
  held: number;
  /** Set when the backlog cannot drain, saying why (e.g. no upstream lanes configured). */
  stalled?: string;
}

export interface AdminJobView extends JobView {
  keyId: string;
  attempts: number;
  lane?: string;
  /** The upstream URL the job was accepted for. */
  upstream?: string;
  /** Accepted for another upstream than the configured one: not sent until released. */
  held?: boolean;
}

/** The queue as the upload routes, the admin API and the dashboard see it. */
export interface UploadQueue extends UploadService {
  /** Starts dispatching (and recovering jobs left by a crashed instance). */
  start(): Promise<void>;
  /** Stops taking jobs, lets in-flight forwards finish (or releases them after `graceMs`). */
  stop(graceMs?: number): Promise<void>;
  stats(): Promise<QueueStats>;
  lanes(): Promise<LaneSnapshot[]>;
  list(filter?: { status?: JobView['status']; keyId?: string; limit?: number }): Promise<AdminJobView[]>;
  inspect(jobId: string): Promise<AdminJobView | undefined>;
  /** Sends the held jobs (accepted for another upstream) to the configured upstream; answers how many. */
  releaseHeld(): Promise<{ released: number; upstream: string }>;
  /** Operator actions: hold/release the queue and lanes, cancel, retry and purge jobs. */
  readonly operator: QueueOperator;
}
