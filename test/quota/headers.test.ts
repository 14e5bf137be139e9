import { describe, expect, it } from 'vitest';
import { creditsData, setQuotaHeaders } from '../../src/quota/headers.js';
import type { QuotaWindowState } from '../../src/quota/types.js';

const now = Date.UTC(2030, 0, 1);
const windows: QuotaWindowState[] = [
  { scope: 'key', name: 'key-1h', limit: 50, windowMs: 3_600_000, used: 38, remaining: 12, resetAt: now + 1_800_000 },
  { scope: 'key', name: 'key-1d', limit: 200, windowMs: 86_400_000, used: 190, remaining: 10, resetAt: now + 50_000_500 },
  { scope: 'ip', name: 'ip-1h', limit: 50, windowMs: 3_600_000, used: 1, remaining: 49, resetAt: now + 3_599_000 },
];

function headersOf(states: QuotaWindowState[]): Record<string, string> {
  const headers: Record<string, string> = {};
  setQuotaHeaders({ setHeader: (name, value) => (headers[name] = value) }, states, now);
  return headers;
}

describe('quota headers', () => {
  it('list every window as RateLimit-Policy and RateLimit structured fields', () => {
    const headers = headersOf(windows);
    expect(headers['RateLimit-Policy']).toBe('"key-1h";q=50;w=3600, "key-1d";q=200;w=86400, "ip-1h";q=50;w=3600');
    expect(headers['RateLimit']).toBe('"key-1h";r=12;t=1800, "key-1d";r=10;t=50001, "ip-1h";r=49;t=3599');
  });

  it('give the key’s and the IP’s tightest window the Imgur way, resets in epoch seconds', () => {
    const headers = headersOf(windows);
    expect(headers).toMatchObject({
      'X-RateLimit-ClientLimit': '200',
      'X-RateLimit-ClientRemaining': '10',
      'X-RateLimit-ClientReset': String(Math.ceil((now + 50_000_500) / 1000)),
      'X-RateLimit-UserLimit': '50',
      'X-RateLimit-UserRemaining': '49',
      'X-RateLimit-UserReset': String((now + 3_599_000) / 1000),
    });
  });

  it('answer /3/credits with the same numbers', () => {
    expect(creditsData(windows)).toEqual({
      UserLimit: 50,
      UserRemaining: 49,
      UserReset: (now + 3_599_000) / 1000,
      ClientLimit: 200,
      ClientRemaining: 10,
      ClientReset: Math.ceil((now + 50_000_500) / 1000),
    });
  });
});
