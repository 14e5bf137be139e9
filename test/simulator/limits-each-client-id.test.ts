import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/simulator/server.js';
import { postUpload } from './post-upload.js';

let simulator: Simulator;
const now = 1_700_000_000_000;

beforeAll(async () => {
  simulator = await startSimulator({ clientLimits: [{ limit: 2, windowMs: 60_000 }, { limit: 100, windowMs: 3_600_000 }], clock: () => now });
});

afterAll(async () => {
  await simulator.close();
});

describe('per-client limits', () => {
  it('limits one Client-ID across source addresses and leaves other clients alone', async () => {
    const first = await postUpload(simulator.url, { localAddress: '127.0.0.2', authorization: 'Client-ID lane-a' });
    // Reported in credits: an upload costs 10.
    expect(first.headers['x-ratelimit-clientlimit']).toBe('20');
    expect(first.headers['x-ratelimit-clientremaining']).toBe('10');
    expect(first.headers['x-ratelimit-clientreset']).toBe(String(Math.ceil((now + 60_000) / 1000)));
    expect((await postUpload(simulator.url, { localAddress: '127.0.0.3', authorization: 'Client-ID lane-a' })).status).toBe(200);
    const refused = await postUpload(simulator.url, { localAddress: '127.0.0.4', authorization: 'Client-ID lane-a' });
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBe('60');
    expect(refused.headers['x-ratelimit-clientremaining']).toBe('0');
    expect((await postUpload(simulator.url, { localAddress: '127.0.0.4', authorization: 'Client-ID lane-b' })).status).toBe(200);
    expect(simulator.stats().byClient).toEqual({ 'lane-a': 2, 'lane-b': 1 });
  });
});
