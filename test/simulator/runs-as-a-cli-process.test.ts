import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSimulator, type SpawnedSimulator } from '../support/simulator.js';
import { postUpload } from './post-upload.js';

let simulator: SpawnedSimulator;

beforeAll(async () => {
  simulator = await spawnSimulator(['--ip-limit', '2/300ms', '--ip-limit', '100/1h', '--client-limit', '50/1h']);
});

afterAll(async () => {
  await simulator.stop();
});

describe('upgate simulate-upstream', () => {
  it('enforces the limits given on the command line and reopens a short window once it ends', async () => {
    // The 300 ms window may roll over on a slow machine between uploads, so fill it until refused.
    let refused;
    for (let attempt = 0; attempt < 20 && !refused; attempt++) {
      const answer = await postUpload(simulator.url, { localAddress: '127.0.0.5' });
      if (answer.status === 429) refused = answer;
      else expect(answer.status).toBe(200);
    }
    expect(refused?.headers['x-post-rate-limit-limit']).toBe('2');
    expect(refused?.headers['x-ratelimit-clientlimit']).toBe('500'); // 50 uploads in credits
    expect(refused?.headers['x-post-rate-limit-remaining']).toBe('0');
    expect(refused?.headers['retry-after']).toBe('1');
    let reopened = 0;
    for (let attempt = 0; attempt < 200 && reopened !== 200; attempt++) {
      reopened = (await postUpload(simulator.url, { localAddress: '127.0.0.5' })).status;
      if (reopened !== 200) await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(reopened).toBe(200);
    const stats = await simulator.stats();
    expect(stats.rateLimited).toBeGreaterThanOrEqual(1);
  });

  it('takes faults and resets through its control API', async () => {
    await simulator.faults({ next: [{ kind: 'status', status: 503, body: 'html' }] });
    expect((await postUpload(simulator.url, { localAddress: '127.0.0.6' })).status).toBe(503);
    await simulator.reset();
    expect(await simulator.stats()).toMatchObject({ uploads: 0, rateLimited: 0, faults: 0, received: [] });
  });

  it('stops on SIGTERM', async () => {
    const other = await spawnSimulator();
    await other.stop();
    await expect(fetch(`${other.url}/_sim/stats`)).rejects.toThrow();
  });
});
