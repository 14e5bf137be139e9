import type { UpstreamImage } from '../uploads/types.js';
import { readRateLimits, type HeaderBag } from './rate-limit-headers.js';
import type { UpstreamAnswer } from './types.js';
import { upstreamMessage } from './upstream-message.js';

/** Upstreams that say "limit" in words rather than with a 429 (Imgur: "Upload limit reached", "Rate limit exceeded"). */
const limitWords = /\b(rate|upload|request)[ -]?limit|too many requests/i;

/**
 * One upstream HTTP answer, classified for the queue: ok, rate-limited (the lane waits), retryable
 * (5xx, 408, or an unreadable 2xx) or rejected (other 4xx, with the upstream's message and status).
 */
export function classifyAnswer(status: number, headers: HeaderBag, body: string, now: number): UpstreamAnswer {
  const limits = readRateLimits(headers, now);
  const json = parseJson(body);
  // Imgur has answered HTTP 200 with `success:false` and the real status in the body.
  const effective = status < 300 && json?.success === false && typeof json.status === 'number' ? json.status : status;
  if (effective >= 200 && effective < 300) {
    const data = json?.data;
    if (isImage(data)) return { kind: 'ok', image: data, limits };
    return { kind: 'retryable', message: 'bad upstream answer', timeout: false, limits };
  }
  const message = upstreamMessage(effective, body);
  if (effective === 429 || limitWords.test(message)) return { kind: 'rate-limited', message, limits };
  if (effective >= 500 || effective === 408 || effective < 400) return { kind: 'retryable', message, timeout: effective === 504 || effective === 408, limits };
  return { kind: 'rejected', message, status: effective, limits };
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
