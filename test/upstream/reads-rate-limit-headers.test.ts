import { describe, expect, it } from 'vitest';
import { readRateLimits, ResetSemantics } from '../../src/upstream/rate-limit-headers.js';

const now = 1_700_000_000_000;

describe('readRateLimits', () => {
  it('reads X-Post-Rate-Limit-* in any case as its own budget, the reset a countdown in seconds', () => {
    const limits = readRateLimits({ 'X-Post-Rate-Limit-Limit': '1250', 'x-post-rate-limit-REMAINING': '7', 'X-POST-RATE-LIMIT-RESET': '120' }, now);
    expect(limits).toEqual({ post: { limit: 1250, remaining: 7, resetInMs: 120_000, exact: true } });
  });

  it('reads X-RateLimit-User* apart from the POST limit; a reset of 3600 is the window length, not a countdown', () => {
    const headers = { 'X-RateLimit-UserLimit': '2000', 'X-RateLimit-UserRemaining': '1990', 'X-RateLimit-UserReset': '3600', 'X-Post-Rate-Limit-Remaining': '3', 'X-Post-Rate-Limit-Reset': '10' };
    expect(readRateLimits(headers, now)).toEqual({
      user: { limit: 2000, remaining: 1990, resetInMs: 3_600_000, exact: false },
      post: { remaining: 3, resetInMs: 10_000, exact: true },
    });
  });

  it('takes an epoch in seconds or milliseconds as exact', () => {
    expect(readRateLimits({ 'x-ratelimit-userremaining': '5', 'x-ratelimit-userreset': '1700003600' }, now).user).toEqual({ remaining: 5, resetInMs: 3_600_000, exact: true });
    expect(readRateLimits({ 'x-ratelimit-clientremaining': '12000', 'x-ratelimit-clientreset': String(now + 5000) }, now).client).toEqual({ remaining: 12_000, resetInMs: 5_000, exact: true });
  });

  it('reads X-RateLimit-ClientReset 86400 as the day it is, and assumes at most a day without one', () => {
    expect(readRateLimits({ 'x-ratelimit-clientlimit': '12500', 'x-ratelimit-clientremaining': '12490', 'x-ratelimit-clientreset': '86400' }, now).client).toEqual({ limit: 12_500, remaining: 12_490, resetInMs: 86_400_000, exact: false });
    expect(readRateLimits({ 'x-ratelimit-clientremaining': '0' }, now).client).toEqual({ remaining: 0, resetInMs: 86_400_000, exact: false });
  });

  it('tells a countdown from a window length by watching the same lane’s answers', () => {
    const semantics = new ResetSemantics();
    const user = (reset: string, at: number) => readRateLimits({ 'x-ratelimit-userremaining': '9', 'x-ratelimit-userreset': reset }, at, semantics, 'lane1').user;
    expect(user('3600', now)?.exact).toBe(false);
    expect(user('3590', now + 10_000)?.exact).toBe(true); // it counted down with the clock
    const post = (reset: string, at: number) => readRateLimits({ 'x-post-rate-limit-remaining': '9', 'x-post-rate-limit-reset': reset }, at, semantics, 'lane2').post;
    expect(post('60', now)?.exact).toBe(true);
    expect(post('60', now + 5_000)?.exact).toBe(false); // the same value after 5 s: a length
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(readRateLimits({ 'Retry-After': '30' }, now).retryAfterMs).toBe(30_000);
    expect(readRateLimits({ 'retry-after': 'Wed, 15 Nov 2023 00:00:00 GMT' }, Date.parse('2023-11-14T23:59:00Z')).retryAfterMs).toBe(60_000);
  });

  it('ignores junk values instead of trusting them', () => {
    const limits = readRateLimits(
      { 'x-post-rate-limit-remaining': 'lots', 'x-post-rate-limit-reset': '10', 'x-ratelimit-userremaining': '-1', 'x-ratelimit-userreset': '5', 'x-ratelimit-clientremaining': '5', 'x-ratelimit-clientreset': 'soon', 'retry-after': 'later' },
      now,
    );
    expect(limits).toEqual({ client: { remaining: 5, resetInMs: 86_400_000, exact: false } });
    expect(readRateLimits({}, now)).toEqual({});
  });

  it('ignores a count too long to be a number (it would read as Infinity)', () => {
    const huge = '9'.repeat(400);
    expect(readRateLimits({ 'x-post-rate-limit-limit': huge, 'x-post-rate-limit-remaining': huge, 'x-post-rate-limit-reset': '10', 'x-ratelimit-clientremaining': '5' }, now)).toEqual({ client: { remaining: 5, resetInMs: 86_400_000, exact: false } });
  });

  it('takes the first of repeated header values', () => {
    expect(readRateLimits({ 'x-post-rate-limit-remaining': ['4', '9'], 'x-post-rate-limit-reset': ['60'] }, now).post).toEqual({ remaining: 4, resetInMs: 60_000, exact: true });
  });
});
