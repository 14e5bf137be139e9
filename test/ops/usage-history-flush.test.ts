import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { dayMs, minuteMs } from '../../src/ops/usage-history.js';
import { openUsageHistory } from '../../src/ops/usage-history-stores.js';
import { RedisKeys } from '../../src/redis/keys.js';
import { Sandbox } from '../queue/queue-fixture.js';
import { eventually } from '../support/eventually.js';

let sandbox: Sandbox;
beforeEach(async () => (sandbox = await Sandbox.open()));
afterEach(() => sandbox.cleanup());

it('writes a flush naming thousands of subjects (more than one script call) whole, each day hash with its expiry', async () => {
  // Today: a day hash whose expiry has passed is gone at once.
  const day = Math.floor(Date.now() / dayMs);
  let now = day * dayMs + 10 * minuteMs;
  const retentionMs = 7 * dayMs;
  const history = await openUsageHistory(await sandbox.backend('redis'), { retentionMs, clock: () => now, onError: (error) => { throw error; } });
  const subjects = Array.from({ length: 2_500 }, (_, i) => `key:k${i}` as const);
  for (const subject of subjects) history.add([subject, 'all'], { accepted: 1 });
  history.add(['key:k7'], { 'refused:1008': 2 });
  now += minuteMs;
  history.add(['key:k7'], { accepted: 3 });
  await history.flush();

  expect(await history.read('key:k7', day * dayMs, (day + 1) * dayMs)).toEqual([
    { t: day * dayMs + 10 * minuteMs, counters: { accepted: 1, 'refused:1008': 2 } },
    { t: day * dayMs + 11 * minuteMs, counters: { accepted: 3 } },
  ]);
  expect(await history.read('key:k2499', day * dayMs, (day + 1) * dayMs)).toEqual([{ t: day * dayMs + 10 * minuteMs, counters: { accepted: 1 } }]);
  expect(await history.read('all', day * dayMs, (day + 1) * dayMs)).toEqual([{ t: day * dayMs + 10 * minuteMs, counters: { accepted: 2_500 } }]);
  const keys = new RedisKeys(sandbox.prefix);
  for (const subject of ['key:k0', 'key:k2499', 'all']) expect(await sandbox.redis.pexpiretime(keys.usageHistory(subject, day))).toBe((day + 1) * dayMs + retentionMs);
  await history.close();
});

it("writes the gateway's and the lanes' counts every second, the keys' every minute", async () => {
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
  try {
    const now = Date.now();
    const history = await openUsageHistory(await sandbox.backend('redis'), { retentionMs: dayMs, clock: () => now, onError: (error) => { throw error; } });
    history.add(['key:k1', 'all'], { accepted: 1 });
    history.add(['lane:l1', 'all'], { 'responses:200': 1 });
    const read = (subject: 'key:k1' | 'lane:l1' | 'all') => history.read(subject, now - minuteMs, now + minuteMs);
    const written = async (subject: 'key:k1' | 'lane:l1' | 'all') => (await read(subject)).flatMap((bucket) => Object.keys(bucket.counters)).sort();

    await vi.advanceTimersByTimeAsync(1_000);
    expect(await eventually(() => written('all'), (fields) => fields.length === 2)).toEqual(['accepted', 'responses:200']);
    expect(await written('lane:l1')).toEqual(['responses:200']);
    expect(await written('key:k1')).toEqual([]);

    await vi.advanceTimersByTimeAsync(59_000);
    expect(await eventually(() => written('key:k1'), (fields) => fields.length === 1)).toEqual(['accepted']);
    await history.close();
  } finally {
    vi.useRealTimers();
  }
});
