import type { PayloadLocation } from '../store/payload-store.js';

/** The image as the upstream will receive it: bytes in the payload store, or a URL the upstream fetches itself. */
export type UploadSource =
  | { kind: 'payload'; ref: string; size: number; mime: string }
  | { kind: 'url'; url: string };

/** One accepted upload, as the pipeline sees it once the HTTP layer has parsed and admitted it. */
export interface UploadRequest {
  /** The gateway key (its public id) the upload is charged to. */
  keyId: string;
  source: UploadSource;
  /** Where a payload source's bytes are, when the job's lease already said (saves the store a lookup). */
  payloadAt?: PayloadLocation;
  /** Fields passed through to the upstream: name, title, description (legacy `caption` maps to description). */
  fields: UploadFields;
  /** Upstream user token for account uploads; forwarded as `Authorization: Bearer`, never logged. */
  bearer?: string;
  /** Client's Idempotency-Key: a repeat returns the same job. */
  idempotencyKey?: string;
  /** Where the result is POSTed when the job ends. */
  callbackUrl?: string;
  /** The accepting request's X-Request-Id, sent on to the upstream and logged with the job. */
  requestId?: string;
}

export interface UploadFields {
  name?: string;
  title?: string;
  description?: string;
}

/** The upstream's v3 `data` object for an uploaded image (kept whole: extra fields pass through). */
export interface UpstreamImage {
  id: string;
  link: string;
  deletehash?: string;
  type?: string;
  width?: number;
  height?: number;
  size?: number;
  datetime?: number;
  [field: string]: unknown;
}

export type JobStatus = 'queued' | 'active' | 'done' | 'failed';

/** What a client may see of a job (GET /3/jobs/:id and the 202 answer). */
export interface JobView {
  id: string;
  status: JobStatus;
  /** 1-based place in the dispatch order while queued. */
  position?: number;
  /** ISO time the job is expected to go upstream while queued. */
  eta?: string;
  /** The upstream's v3 data once done. */
  result?: UpstreamImage;
  /** Why it failed: the catalogue code, HTTP status and message. */
  error?: { code: number; status: number; message: string };
  createdAt: string;
  finishedAt?: string;
}

export type SubmitOutcome =
  /** `lane`: the lane that carried it, for the request log. */
  | { state: 'done'; job: Pick<JobView, 'id'>; image: UpstreamImage; lane?: string }
  | { state: 'queued'; job: JobView; retryAfterSeconds: number };

export interface SubmitOptions {
  /** How long to wait for the job to finish before answering `queued` (0: at once). */
  waitMs: number;
  /**
   * The payload is held by this process (not yet in the durable store), so the upload may be
   * forwarded straight away when a lane has budget and nothing waits; what must wait is committed first.
   */
  held?: boolean;
  /**
   * With `held`: the upload's admission, sent in the same round trip as its claim (the body was
   * read first). Until it resolves true nothing is forwarded, queued or answered; false (or a
   * failure) undoes the claim, and submit rejects. Default: admitted before submit was called.
   */
  admitted?: Promise<boolean>;
}

/** What the upload routes hand an upload to. */
export interface UploadService {
  /**
   * Stores the job durably, then waits up to `waitMs` for it to finish. A finished job answers
   * `done`; a job still waiting answers `queued`; a job that failed rejects with a GatewayError.
   * It takes over the caller's payload reference: the job keeps it, or submit releases it.
   */
  submit(request: UploadRequest, options: SubmitOptions): Promise<SubmitOutcome>;
  /** A job by id, only when it belongs to `keyId`. */
  get(jobId: string, keyId: string): Promise<JobView | undefined>;
}
