import type { Clock } from '../clock.js';
import { failure, rateLimitHeaders, secondsUntil, type Answer } from './answers.js';
import { FixedWindows, type WindowLimit } from './fixed-windows.js';

/** A refused upload: the answer to send and why it was refused (for stats). */
export interface Refusal {
  answer: Answer;
  cause: string;
}

/** How a simulated upstream limits uploads and what rate-limit headers it sends. */
export interface UpstreamLimits {
  /** Checks and counts one upload in one synchronous step (so concurrent uploads cannot overshoot). */
  admit(ip: string, clientKey: string, path: string): Refusal | undefined;
  /** The headers of any answer to this caller, after `admit`. */
  headers(ip: string, clientKey: string | undefined): Record<string, string>;
  clear(): void;
}

/**
 * The tidy upstream, for tests that need exact windows: per-IP and per-credential fixed windows,
 * each reported, a refusal answered 429 "Upload limit reached" with Retry-After.
 */
export function tidyLimits(ipLimits: readonly WindowLimit[], clientLimits: readonly WindowLimit[], uploadCost: number, clock: Clock): UpstreamLimits {
  const ipWindows = new FixedWindows(ipLimits, clock);
  const clientWindows = new FixedWindows(clientLimits, clock);
  const headers = (ip: string, clientKey: string | undefined) => rateLimitHeaders(ipWindows.standing(ip), clientKey === undefined ? undefined : clientWindows.standing(clientKey), clock(), uploadCost);
  return {
    admit(ip, clientKey, path) {
      const blockedUntil = Math.max(ipWindows.blockedUntil(ip) ?? 0, clientWindows.blockedUntil(clientKey) ?? 0);
      if (blockedUntil > 0) {
        const retryAfter = String(Math.max(1, secondsUntil(blockedUntil, clock())));
        return { answer: withHeaders(failure(429, 'Upload limit reached', 'json', path), { ...headers(ip, clientKey), 'retry-after': retryAfter }), cause: 'limit' };
      }
      ipWindows.count(ip);
      clientWindows.count(clientKey);
      return undefined;
    },
    headers,
    clear() {
      ipWindows.clear();
      clientWindows.clear();
    },
  };
}

export function withHeaders(answer: Answer, headers: Record<string, string>): Answer {
  return { ...answer, headers: { ...answer.headers, ...headers } };
}
