import type { Config, QuotaPolicy, WindowLimit } from '../config/schema.js';
import type { ApiKeyRecord } from '../keys/types.js';
import type { QuotaWindowState } from './types.js';

/** One window a decision checks: whose it is, its counter's subject and its limit. */
export interface PlannedWindow {
  scope: 'key' | 'ip';
  /** Name in the RateLimit headers and metrics, e.g. `key-1h`. */
  name: string;
  /** Counter subject: `key:<id>` or `ip:<address>`. */
  subject: string;
  limit: number;
  windowMs: number;
}

/** Every window of one key (and of one client IP when given), key windows first, with the policy that combines them. */
export interface QuotaPlan {
  policy: QuotaPolicy;
  windows: PlannedWindow[];
}

/** The current count of one window; a window not started yet counts 0 and would end at now + window. */
export interface WindowCount {
  used: number;
  resetAt: number;
}

/** The key's own limits and policy where it overrides them, else the configured ones. */
export function planFor(config: Config, key: ApiKeyRecord, clientIp?: string): QuotaPlan {
  const override = key.quotas;
  const windows = plannedWindows('key', `key:${key.id}`, override?.perKey ?? config.quotas.perKey);
  if (clientIp !== undefined) windows.push(...plannedWindows('ip', `ip:${clientIp}`, override?.perIp ?? config.quotas.perIp));
  return { policy: override?.policy ?? config.quotas.policy, windows };
}

/** The windows of one client IP under the configured limits (for views of IPs without a key). */
export function ipWindows(config: Config, clientIp: string): PlannedWindow[] {
  return plannedWindows('ip', `ip:${clientIp}`, config.quotas.perIp);
}

/**
 * Limits of one subject sorted by window length. Two limits with the same window would share one
 * counter (and be charged twice), so they merge into the stricter one.
 */
function plannedWindows(scope: 'key' | 'ip', subject: string, limits: readonly WindowLimit[]): PlannedWindow[] {
  const byWindow = new Map<number, number>();
  for (const { limit, window } of limits) byWindow.set(window, Math.min(limit, byWindow.get(window) ?? Infinity));
  return [...byWindow]
    .sort(([a], [b]) => a - b)
    .map(([windowMs, limit]) => ({ scope, name: `${scope}-${formatWindow(windowMs)}`, subject, limit, windowMs }));
}

/** `3600000` → `1h`, `90000` → `90s`: the largest unit that divides the window exactly. */
export function formatWindow(ms: number): string {
  const units: Array<[string, number]> = [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1_000]];
  for (const [unit, size] of units) if (ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

/**
 * Whether one more request fits: `all` needs room in every window, `any` in every key window or in
 * every IP window. A scope without limits has no say under `any` (else it would let everything in).
 */
export function fits(policy: QuotaPolicy, plan: readonly PlannedWindow[], counts: readonly WindowCount[]): boolean {
  const room = (scope: 'key' | 'ip') => plan.every((window, i) => window.scope !== scope || counts[i]!.used < window.limit);
  if (policy === 'all') return room('key') && room('ip');
  const scopes = scopesOf(plan);
  return scopes.length === 0 || scopes.some(room);
}

function scopesOf(windows: ReadonlyArray<{ scope: 'key' | 'ip' }>): Array<'key' | 'ip'> {
  return (['key', 'ip'] as const).filter((scope) => windows.some((window) => window.scope === scope));
}

export function toStates(plan: readonly PlannedWindow[], counts: readonly WindowCount[]): QuotaWindowState[] {
  return plan.map((window, i) => {
    const { used, resetAt } = counts[i]!;
    return { scope: window.scope, name: window.name, limit: window.limit, windowMs: window.windowMs, used, remaining: Math.max(0, window.limit - used), resetAt };
  });
}

/**
 * Seconds until a rejected request could be admitted: a scope frees up when its last exhausted
 * window resets; `all` needs both scopes free (the later), `any` either one (the sooner).
 */
export function retryAfterSeconds(policy: QuotaPolicy, states: readonly QuotaWindowState[], now: number): number {
  const freeAt = (scope: 'key' | 'ip') =>
    Math.max(now, ...states.filter((s) => s.scope === scope && s.remaining === 0).map((s) => s.resetAt));
  const frees = scopesOf(states).map(freeAt);
  const at = policy === 'all' ? Math.max(now, ...frees) : Math.min(...frees);
  return Math.max(1, Math.ceil((at - now) / 1000));
}
