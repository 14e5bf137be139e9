import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/simulator/server.js';
import { postUpload } from './post-upload.js';

let simulator: Simulator;
let now = 1_700_000_000_000;

beforeAll(async () => {
  simulator = await startSimulator({ ipLimits: [{ limit: 3, windowMs: 10_000 }], clock: () => now });
});

afterAll(async () => {
  await simulator.close();
});

describe('per-source-IP limits', () => {
  it('gives each source address its own budget and refuses the one past it with 429 and Retry-After', async () => {
    const remaining: string[] = [];
    for (let i = 0; i < 3; i++) {
      const answer = await postUpload(simulator.url, { localAddress: '127.0.0.2', authorization: `Client-ID c${i}` });
      expect(answer.status).toBe(200);
      remaining.push(String(answer.headers['x-post-rate-limit-remaining']));
    }
    expect(remaining).toEqual(['2', '1', '0']);
    now += 4_200;
    const refused = await postUpload(simulator.url, { localAddress: '127.0.0.2', authorization: 'Client-ID other' });
    expect(refused.status).toBe(429);
    expect(refused.json).toEqual({ data: { error: 'Upload limit reached', request: '/3/image', method: 'POST' }, success: false, status: 429 });
    // 5.8 s left, ceiled: a client trusting it never comes back early.
    expect(refused.headers['retry-after']).toBe('6');
    expect(refused.headers['x-post-rate-limit-reset']).toBe('6');
    // X-RateLimit-User* are Imgur's per-IP credits: the tidy mode reports upload windows only as X-Post-Rate-Limit-*.
    expect(refused.headers['x-ratelimit-userremaining']).toBeUndefined();

    const elsewhere = await postUpload(simulator.url, { localAddress: '127.0.0.3' });
    expect(elsewhere.status).toBe(200);
    expect(elsewhere.headers['x-post-rate-limit-remaining']).toBe('2');
  });

  it('does not count refused uploads', () => {
    const stats = simulator.stats();
    expect(stats.uploads).toBe(4);
    expect(stats.rateLimited).toBe(1);
    expect(stats.byIp).toEqual({ '127.0.0.2': 3, '127.0.0.3': 1 });
  });

  it('reopens the window once it ends, anchored at the first upload', async () => {
    now = 1_700_000_000_000 + 9_999;
    expect((await postUpload(simulator.url, { localAddress: '127.0.0.2' })).status).toBe(429);
    now = 1_700_000_000_000 + 10_000;
    const reopened = await postUpload(simulator.url, { localAddress: '127.0.0.2' });
    expect(reopened.status).toBe(200);
    expect(reopened.headers['x-post-rate-limit-remaining']).toBe('2');
    expect(reopened.headers['x-post-rate-limit-reset']).toBe('10');
  });
});
