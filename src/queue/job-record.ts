import { createHash } from 'node:crypto';
import { GatewayError, type ErrorKind } from '../errors/catalogue.js';
import type { PayloadLocation } from '../store/payload-store.js';
import type { JobStatus, JobView, UploadFields, UploadRequest, UploadSource, UpstreamImage } from '../uploads/types.js';
import type { AdminJobView } from './types.js';

/** Why a job failed, kept with the catalogue kind so the same GatewayError can be rebuilt on any instance. */
export interface StoredError {
  kind: ErrorKind;
  code: number;
  status: number;
  message: string;
}

/** One job as the stores keep it. */
export interface JobRecord {
  id: string;
  keyId: string;
  source: UploadSource;
  fields: UploadFields;
  /** Upstream user token; needed to forward later, never logged or shown. */
  bearer?: string;
  callbackUrl?: string;
  idempotencyKey?: string;
  /** The accepting request's id: carried into the logs and the upstream call (X-Request-Id). */
  requestId?: string;
  /** The upstream URL the job was accepted for: a job recovered under another upstream is held until released. */
  upstream?: string;
  /** Set while the job is held: accepted for another upstream than the configured one. */
  held?: boolean;
  /** Payload bytes (0 for a URL source): counted against queue.maxBytes. */
  size: number;
  status: JobStatus;
  /** Upstream attempts made, the last one included once the job ended (a 429 is not counted: the job goes back). */
  attempts: number;
  /** Enqueue order, so jobs returned to their key's queue keep their place. */
  seq: number;
  createdAt: number;
  lane?: string;
  /** Set while the cut-through forwards it from the request (its bytes in one process only, not queued). */
  direct?: boolean;
  result?: UpstreamImage;
  error?: StoredError;
  finishedAt?: number;
  /** Set on a failed queued job: it keeps its payload while its record is kept, so an operator can retry it. */
  keepsPayload?: boolean;
}

export function newJobRecord(id: string, request: UploadRequest, now: number, upstream?: string): JobRecord {
  const job: JobRecord = {
    id,
    keyId: request.keyId,
    source: request.source,
    fields: request.fields,
    size: request.source.kind === 'payload' ? request.source.size : 0,
    status: 'queued',
    attempts: 0,
    seq: 0,
    createdAt: now,
  };
  if (upstream) job.upstream = upstream;
  if (request.requestId) job.requestId = request.requestId;
  if (request.bearer) job.bearer = request.bearer;
  if (request.callbackUrl) job.callbackUrl = request.callbackUrl;
  if (request.idempotencyKey) job.idempotencyKey = request.idempotencyKey;
  return job;
}

/**
 * Who the upstream sees as the uploader: the user of a Bearer token (as a hash: the token itself is
 * never kept in a derived key), or the lane's anonymous credential.
 */
function upstreamIdentity(job: Pick<JobRecord, 'bearer'>): string {
  return job.bearer === undefined ? 'anonymous' : `bearer:${createHash('sha256').update(job.bearer).digest('hex')}`;
}

/**
 * What makes two uploads of one key the same upload, for dedupe: the bytes, the upstream identity and
 * every field sent upstream. Anything less hands one uploader's image (its title, account and
 * deletehash) to another: the same bytes sent anonymously must not return a user's account upload.
 * Undefined for URL sources (the upstream fetches those; nothing is deduped).
 */
export function dedupeDigest(job: Pick<JobRecord, 'source' | 'fields' | 'bearer'>): string | undefined {
  if (job.source.kind !== 'payload') return undefined;
  const fields = Object.entries(job.fields)
    .filter(([, value]) => value !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash('sha256')
    .update(JSON.stringify([job.source.ref, job.source.mime, upstreamIdentity(job), fields]))
    .digest('hex');
}

/** An Idempotency-Key counts per upstream identity too: a repeat from another user is not the same request. */
export function idempotencyScope(job: Pick<JobRecord, 'idempotencyKey' | 'bearer'>): string | undefined {
  return job.idempotencyKey === undefined ? undefined : `${upstreamIdentity(job)}:${job.idempotencyKey}`;
}

export function storedError(error: GatewayError): StoredError {
  return { kind: error.kind, code: error.code, status: error.status, message: error.message };
}

export function jobError(job: Pick<JobRecord, 'error'>): GatewayError {
  const error = job.error ?? { kind: 'upstreamFailed', message: 'Upstream failed' };
  return new GatewayError(error.kind, { message: error.message });
}

/** What the upstream client needs to send the job again (on any instance). */
export function uploadRequestOf(job: JobRecord, payloadAt?: PayloadLocation): UploadRequest {
  const request: UploadRequest = { keyId: job.keyId, source: job.source, fields: job.fields };
  if (payloadAt) request.payloadAt = payloadAt;
  if (job.bearer) request.bearer = job.bearer;
  if (job.requestId) request.requestId = job.requestId;
  return request;
}

/** What every log line about a job names. */
export function jobLogFields(job: JobRecord): { job: string; keyId: string; requestId?: string } {
  const fields: { job: string; keyId: string; requestId?: string } = { job: job.id, keyId: job.keyId };
  if (job.requestId) fields.requestId = job.requestId;
  return fields;
}

export function jobView(job: JobRecord): JobView {
  const view: JobView = { id: job.id, status: job.status, createdAt: new Date(job.createdAt).toISOString() };
  if (job.result) view.result = job.result;
  if (job.error) view.error = { code: job.error.code, status: job.error.status, message: job.error.message };
  if (job.finishedAt !== undefined) view.finishedAt = new Date(job.finishedAt).toISOString();
  return view;
}

export function adminJobView(job: JobRecord): AdminJobView {
  const view: AdminJobView = { ...jobView(job), keyId: job.keyId, attempts: job.attempts };
  if (job.lane) view.lane = job.lane;
  if (job.upstream) view.upstream = job.upstream;
  if (job.held) view.held = true;
  return view;
}

/** Field/value pairs of strings, as a Redis hash keeps them (and HSET takes them). */
export function encodeJob(job: JobRecord): string[] {
  const pairs: string[] = [];
  for (const field in job) {
    const value: unknown = job[field as keyof JobRecord];
    if (value !== undefined) pairs.push(field, typeof value === 'object' ? JSON.stringify(value) : String(value));
  }
  return pairs;
}

const jsonFields = new Set(['source', 'fields', 'result', 'error']);
const numberFields = new Set(['size', 'attempts', 'seq', 'createdAt', 'finishedAt']);
const booleanFields = new Set(['held', 'direct', 'keepsPayload']);
/** Fields the scripts keep for themselves (lease token, last retry reason, who finished it, where its payload's chunks are and what became of them). */
const internalFields = new Set(['leaseToken', 'lastError', 'finishedBy', 'payloadAt', 'chunkBlob', 'chunkCount', 'chunkUntil']);

export function decodeJob(hash: Record<string, string>): JobRecord | undefined {
  if (!hash.id) return undefined;
  const job: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(hash)) {
    if (internalFields.has(field)) continue;
    job[field] = jsonFields.has(field) ? JSON.parse(value) : numberFields.has(field) ? Number(value) : booleanFields.has(field) ? value === 'true' : value;
  }
  return job as unknown as JobRecord;
}
