import type { UpstreamImage } from '../uploads/types.js';
import { readRateLimits, ResetSemantics, type HeaderBag } from './rate-limit-headers.js';
import type { UpstreamAnswer } from './types.js';
import { upstreamMessage } from './upstream-message.js';

/** Upstreams that say "limit" in words rather than with a 429 (Imgur: "Upload limit reached", "Rate limit exceeded"). */
const limitWords = /\b(rate|upload|request)[ -]?limit|too many requests|uploading too fast/i;
/** Imgur's 403 "Imgur is temporarily over capacity. Please try again later.": transient, not a bad credential. */
const overCapacity = /over capacity/i;
/** "Please wait 37 more minutes." */
const waitWords = /wait\s+(\d+(?:\.\d+)?)\s+(?:more\s+)?(second|minute|hour)s?\b/i;
const unitMs: Record<string, number> = { second: 1_000, minute: 60_000, hour: 3_600_000 };
/** The per-IP upload limit, in Imgur's words. */
const addressWords = /uploading too fast|\bper[- ]ip\b|\byour ip\b/i;
/** The credential's credits. */
const clientWords = /\bcredits?\b|\b(client|application)\b.*\blimit/i;

/**
 * One upstream HTTP answer, classified for the queue: ok, rate-limited (the lane waits), retryable
 * (5xx, 408, over capacity, or an unreadable 2xx) or rejected (other 4xx, with the upstream's
 * message and status). The status inside the body wins over a 2xx one: Imgur has answered HTTP 200
 * with `success:false`, a nested `data.error.code` or a JSON:API `errors[].code`.
 */
export function classifyAnswer(status: number, headers: HeaderBag, body: string, now: number, semantics?: ResetSemantics, scope?: string): UpstreamAnswer {
  const limits = readRateLimits(headers, now, semantics, scope);
  const json = parseJson(body);
  const effective = status < 300 ? (bodyStatus(json) ?? status) : status;
  if (effective >= 200 && effective < 300) {
    const data = json?.data;
    if (isImage(data)) return { kind: 'ok', image: data, limits };
    return { kind: 'retryable', message: 'bad upstream answer', timeout: false, limits };
  }
  const message = upstreamMessage(effective, body);
  if (effective === 429 || limitWords.test(message)) return { kind: 'rate-limited', message, limits, ...rateLimitHints(message) };
  if (effective >= 500 || effective === 408 || effective < 400 || overCapacity.test(message)) return { kind: 'retryable', message, timeout: effective === 504 || effective === 408, limits };
  return { kind: 'rejected', message, status: effective, limits };
}

/** What a 429's words say: how long to wait ("Please wait N more minutes") and whose limit it is. */
export function rateLimitHints(message: string): { waitMs?: number; subject?: 'address' | 'client' } {
  const hints: { waitMs?: number; subject?: 'address' | 'client' } = {};
  const wait = waitWords.exec(message);
  if (wait) hints.waitMs = Math.round(Number(wait[1]) * unitMs[wait[2]!.toLowerCase()]!);
  if (addressWords.test(message)) hints.subject = 'address';
  else if (clientWords.test(message)) hints.subject = 'client';
  return hints;
}

/** An error status carried in the body: v3 `status` with `success:false`, `data.error.code`, or JSON:API `errors[0].code|status`. */
function bodyStatus(json: Record<string, unknown> | undefined): number | undefined {
  if (!json) return undefined;
  const data = json.data as Record<string, unknown> | undefined;
  const nested = typeof data?.error === 'object' && data.error !== null ? (data.error as Record<string, unknown>).code : undefined;
  const errors = Array.isArray(json.errors) ? (json.errors[0] as Record<string, unknown> | undefined) : undefined;
  const candidates = [json.success === false ? json.status : undefined, nested, errors?.code, errors?.status];
  for (const candidate of candidates) {
    const code = typeof candidate === 'string' && /^\d{3}$/.test(candidate) ? Number(candidate) : candidate;
    if (typeof code === 'number' && code >= 300 && code < 600) return code;
  }
  return undefined;
}

function parseJson(body: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function isImage(data: unknown): data is UpstreamImage {
  return typeof data === 'object' && data !== null && typeof (data as UpstreamImage).id === 'string' && typeof (data as UpstreamImage).link === 'string';
}
