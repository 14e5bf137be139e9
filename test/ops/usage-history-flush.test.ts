import { afterEach, beforeEach, expect, it } from 'vitest';
import { dayMs, minuteMs } from '../../src/ops/usage-history.js';
import { openUsageHistory } from '../../src/ops/usage-history-stores.js';
import { RedisKeys } from '../../src/redis/keys.js';
import { Sandbox } from '../queue/queue-fixture.js';

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
