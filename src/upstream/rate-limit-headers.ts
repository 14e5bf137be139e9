import type { RateLimitObservation } from './types.js';

/** Response headers as undici or node give them (names in any case). */
export type HeaderBag = Record<string, string | string[] | undefined>;

/** Without X-RateLimit-ClientReset, Imgur's client credits reset daily: assume a full day, never earlier. */
const clientBudgetWindowMs = 86_400_000;

/**
 * What one upstream answer says about the lane's budgets. Names are matched case-insensitively;
 * X-Post-Rate-Limit-* wins over X-RateLimit-User* for the address. Junk values are ignored.
 */
export function readRateLimits(headers: HeaderBag, now: number): RateLimitObservation {
  const get = lowerCased(headers);
  const observation: RateLimitObservation = {};
  const address =
    budget(get('x-post-rate-limit-limit'), get('x-post-rate-limit-remaining'), resetTime(get('x-post-rate-limit-reset'), now)) ??
    budget(get('x-ratelimit-userlimit'), get('x-ratelimit-userremaining'), resetTime(get('x-ratelimit-userreset'), now));
  if (address) observation.address = address;
  const client = budget(get('x-ratelimit-clientlimit'), get('x-ratelimit-clientremaining'), resetTime(get('x-ratelimit-clientreset'), now) ?? now + clientBudgetWindowMs);
  if (client) observation.client = client;
  const retryAt = retryAfter(get('retry-after'), now);
  if (retryAt !== undefined) observation.retryAt = retryAt;
  return observation;
}

function lowerCased(headers: HeaderBag): (name: string) => string | undefined {
  const map = new Map<string, string>();
  for (const [name, value] of Object.entries(headers)) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) map.set(name.toLowerCase(), first.trim());
  }
  return (name) => map.get(name);
}

function budget(limit: string | undefined, remaining: string | undefined, resetAt: number | undefined) {
  const left = count(remaining);
  if (left === undefined || resetAt === undefined) return undefined;
  const max = count(limit);
  return max === undefined ? { remaining: left, resetAt } : { limit: max, remaining: left, resetAt };
}

function count(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+(\.\d+)?$/.test(value)) return undefined;
  return Math.floor(Number(value));
}

/** A reset as upstreams send it: seconds from now, or an epoch in seconds (> 1e9) or milliseconds (> 1e12). */
export function resetTime(value: string | undefined, now: number): number | undefined {
  if (value === undefined || !/^\d+(\.\d+)?$/.test(value)) return undefined;
  const number = Number(value);
  if (number > 1e12) return Math.round(number);
  if (number > 1e9) return Math.round(number * 1000);
  return now + Math.round(number * 1000);
}

/** Retry-After as delta seconds or an HTTP-date, as epoch ms. */
function retryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return now + Math.round(Number(value) * 1000);
  const date = Date.parse(value);
  return /[a-z]/i.test(value) && Number.isFinite(date) ? date : undefined;
}
