import type { QuotaWindowState } from './types.js';

interface HeaderTarget {
  setHeader(name: string, value: string): unknown;
}

/**
 * Sets the quota headers of API.md §5: `RateLimit-Policy` and `RateLimit` as structured-field lists
 * (draft-ietf-httpapi-ratelimit-headers: q = quota, w = window seconds, r = remaining, t = seconds
 * to reset) and Imgur's X-RateLimit-Client* (the key) and X-RateLimit-User* (the client IP).
 */
export function setQuotaHeaders(res: HeaderTarget, windows: readonly QuotaWindowState[], now = Date.now()): void {
  if (windows.length === 0) return;
  res.setHeader('RateLimit-Policy', windows.map((w) => `"${w.name}";q=${w.limit};w=${Math.ceil(w.windowMs / 1000)}`).join(', '));
  res.setHeader('RateLimit', windows.map((w) => `"${w.name}";r=${w.remaining};t=${secondsUntil(w.resetAt, now)}`).join(', '));
  for (const [scope, label] of [['key', 'Client'], ['ip', 'User']] as const) {
    const window = tightest(windows, scope);
    if (!window) continue;
    res.setHeader(`X-RateLimit-${label}Limit`, String(window.limit));
    res.setHeader(`X-RateLimit-${label}Remaining`, String(window.remaining));
    res.setHeader(`X-RateLimit-${label}Reset`, String(Math.ceil(window.resetAt / 1000)));
  }
}

/** `GET /3/credits` data, Imgur's shape: User = the client IP's tightest window, Client = the key's. */
export function creditsData(windows: readonly QuotaWindowState[]) {
  const key = tightest(windows, 'key');
  const ip = tightest(windows, 'ip');
  return {
    UserLimit: ip?.limit ?? null,
    UserRemaining: ip?.remaining ?? null,
    UserReset: ip ? Math.ceil(ip.resetAt / 1000) : null,
    ClientLimit: key?.limit ?? null,
    ClientRemaining: key?.remaining ?? null,
    ClientReset: key ? Math.ceil(key.resetAt / 1000) : null,
  };
}

/** The window of a scope that runs out first: fewest remaining, then the one resetting last. */
function tightest(windows: readonly QuotaWindowState[], scope: 'key' | 'ip'): QuotaWindowState | undefined {
  return windows
    .filter((window) => window.scope === scope)
    .reduce<QuotaWindowState | undefined>(
      (best, window) => (!best || window.remaining < best.remaining || (window.remaining === best.remaining && window.resetAt > best.resetAt) ? window : best),
      undefined,
    );
}

function secondsUntil(at: number, now: number): number {
  return Math.max(0, Math.ceil((at - now) / 1000));
}
