import { describe, expect, it } from 'vitest';
import { readRateLimits } from '../../src/upstream/rate-limit-headers.js';

const now = 1_700_000_000_000;

describe('readRateLimits', () => {
  it('reads the address budget from X-Post-Rate-Limit-* in any case, reset as seconds from now', () => {
    const limits = readRateLimits({ 'X-Post-Rate-Limit-Limit': '50', 'x-post-rate-limit-REMAINING': '7', 'X-POST-RATE-LIMIT-RESET': '120' }, now);
    expect(limits).toEqual({ address: { limit: 50, remaining: 7, resetAt: now + 120_000 } });
  });

  it('prefers X-Post-Rate-Limit-* and falls back to X-RateLimit-User* with an epoch reset', () => {
    const user = { 'X-RateLimit-UserLimit': '2000', 'X-RateLimit-UserRemaining': '1999', 'X-RateLimit-UserReset': '1700003600' };
    expect(readRateLimits(user, now).address).toEqual({ limit: 2000, remaining: 1999, resetAt: 1_700_003_600_000 });
    expect(readRateLimits({ ...user, 'x-post-rate-limit-remaining': '3', 'x-post-rate-limit-reset': '10' }, now).address).toEqual({ remaining: 3, resetAt: now + 10_000 });
  });

  it('reads the client budget, taking a reset in epoch milliseconds and assuming a day without one', () => {
    expect(readRateLimits({ 'x-ratelimit-clientlimit': '12500', 'x-ratelimit-clientremaining': '12000', 'x-ratelimit-clientreset': String(now + 5000) }, now).client).toEqual({
      limit: 12500,
      remaining: 12000,
      resetAt: now + 5000,
    });
    expect(readRateLimits({ 'x-ratelimit-clientremaining': '0' }, now).client).toEqual({ remaining: 0, resetAt: now + 86_400_000 });
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(readRateLimits({ 'Retry-After': '30' }, now).retryAt).toBe(now + 30_000);
    expect(readRateLimits({ 'retry-after': 'Wed, 15 Nov 2023 00:00:00 GMT' }, now).retryAt).toBe(Date.parse('2023-11-15T00:00:00Z'));
  });

  it('ignores junk values instead of trusting them', () => {
    const limits = readRateLimits(
      { 'x-post-rate-limit-remaining': 'lots', 'x-post-rate-limit-reset': '10', 'x-ratelimit-userremaining': '-1', 'x-ratelimit-userreset': '5', 'x-ratelimit-clientremaining': '5', 'x-ratelimit-clientreset': 'soon', 'retry-after': 'later' },
      now,
    );
    expect(limits).toEqual({ client: { remaining: 5, resetAt: now + 86_400_000 } });
    expect(readRateLimits({}, now)).toEqual({});
  });

  it('takes the first of repeated header values', () => {
    expect(readRateLimits({ 'x-post-rate-limit-remaining': ['4', '9'], 'x-post-rate-limit-reset': ['60'] }, now).address).toEqual({ remaining: 4, resetAt: now + 60_000 });
  });
});
