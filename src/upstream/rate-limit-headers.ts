import type { BudgetReport, RateLimitObservation } from './types.js';

/** Response headers as undici or node give them (names in any case). */
export type HeaderBag = Record<string, string | string[] | undefined>;

/** The three budgets Imgur reports, each its own: POSTs per address, the address's credits, the credential's credits. */
export type BudgetFamily = 'post' | 'user' | 'client';

const headerNames: Record<BudgetFamily, { limit: string; remaining: string; reset: string }> = {
  post: { limit: 'x-post-rate-limit-limit', remaining: 'x-post-rate-limit-remaining', reset: 'x-post-rate-limit-reset' },
  user: { limit: 'x-ratelimit-userlimit', remaining: 'x-ratelimit-userremaining', reset: 'x-ratelimit-userreset' },
  client: { limit: 'x-ratelimit-clientlimit', remaining: 'x-ratelimit-clientremaining', reset: 'x-ratelimit-clientreset' },
};

/** Without X-RateLimit-ClientReset, Imgur's client credits reset daily: at most a day. */
const clientWindowMs = 86_400_000;

/**
 * What a small reset value means, per lane and header. Epochs (seconds or ms) are absolute. A
 * number of seconds is either a countdown (X-Post-Rate-Limit-Reset, documented and seen so) or the
 * window's LENGTH: X-RateLimit-UserReset/ClientReset, documented as epochs, are seen as 3600/86400
 * on every answer (docs/queue-and-budgets.md). A length only bounds the reset (it is at most that
 * far); taken as a countdown it would push the reset an hour out on every answer, for ever. Each
 * family starts with its observed meaning and switches once the same lane sees the value count
 * down with the clock (a countdown) or stay put while time passes (a length).
 */
export class ResetSemantics {
  private readonly last = new Map<string, { seconds: number; at: number }>();
  private readonly countsDown = new Map<string, boolean>();

  /** `exact` false: `inMs` is an upper bound (a window length), not when the budget resets. */
  read(scope: string, family: BudgetFamily, seconds: number, now: number): { inMs: number; exact: boolean } {
    const key = `${scope}\n${family}`;
    const previous = this.last.get(key);
    const elapsed = previous ? now - previous.at : 0;
    if (previous && elapsed >= 1_000) {
      const fell = (previous.seconds - seconds) * 1000;
      if (seconds === previous.seconds) this.countsDown.set(key, false);
      else if (fell > 0 && Math.abs(fell - elapsed) <= Math.max(1_500, elapsed / 5)) this.countsDown.set(key, true);
    }
    if (!previous || elapsed >= 1_000) this.last.set(key, { seconds, at: now });
    const exact = this.countsDown.get(key) ?? family === 'post';
    return { inMs: Math.round(seconds * 1000), exact };
  }
}

/**
 * What one upstream answer says about the lane's budgets. Names are matched case-insensitively;
 * junk values are ignored. `scope` (the lane) keys what `semantics` learns about reset values.
 */
export function readRateLimits(headers: HeaderBag, now: number, semantics = new ResetSemantics(), scope = ''): RateLimitObservation {
  const get = lowerCased(headers);
  const observation: RateLimitObservation = {};
  for (const family of ['post', 'user', 'client'] as const) {
    const names = headerNames[family];
    const remaining = count(get(names.remaining));
    if (remaining === undefined) continue;
    const reset = resetIn(get(names.reset), now, (seconds) => semantics.read(scope, family, seconds, now)) ?? (family === 'client' ? { inMs: clientWindowMs, exact: false } : undefined);
    if (!reset) continue;
    const report: BudgetReport = { remaining, resetInMs: reset.inMs, exact: reset.exact };
    const limit = count(get(names.limit));
    if (limit !== undefined) report.limit = limit;
    observation[family] = report;
  }
  const retryAfterMs = retryAfter(get('retry-after'), now);
  if (retryAfterMs !== undefined) observation.retryAfterMs = retryAfterMs;
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

function count(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+(\.\d+)?$/.test(value)) return undefined;
  const whole = Math.floor(Number(value));
  // Hundreds of digits read as Infinity: no count at all, rather than one no budget can reach.
  return Number.isFinite(whole) ? whole : undefined;
}

/** A reset header: an epoch in ms (> 1e12) or seconds (> 1e9), else seconds read by `small`. */
function resetIn(value: string | undefined, now: number, small: (seconds: number) => { inMs: number; exact: boolean }) {
  if (value === undefined || !/^\d+(\.\d+)?$/.test(value)) return undefined;
  const number = Number(value);
  if (number > 1e12) return { inMs: Math.max(0, Math.round(number) - now), exact: true };
  if (number > 1e9) return { inMs: Math.max(0, Math.round(number * 1000) - now), exact: true };
  return small(number);
}

/** Retry-After as delta seconds or an HTTP-date, as ms from now. */
function retryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const date = Date.parse(value);
  return /[a-z]/i.test(value) && Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}
