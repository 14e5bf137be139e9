import type { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis, waitReady } from '../../src/redis/connect.js';
import { keyRecord, openHarness, type Harness } from './support/harness.js';
import { RedisProcess } from '../support/redis-process.js';

/** EVALSHA + EVAL calls since start-up, from INFO commandstats (commands a script runs are counted apart). */
async function scriptCalls(observer: Redis): Promise<number> {
  const stats = await observer.info('commandstats');
  return [...stats.matchAll(/^cmdstat_(?:evalsha|eval):calls=(\d+)/gm)].reduce((sum, match) => sum + Number(match[1]), 0);
}

/**
 * Counts what Redis received during `action`: script calls from INFO commandstats, and every client
 * command from MONITOR (leaving out what scripts run inside, and the ECHO markers that bound the count).
 */
async function callsDuring(observer: Redis, monitor: EventEmitter, action: () => Promise<unknown>) {
  const marker = `mark-${Math.random()}`;
  const seen: string[] = [];
  const reached = (end: 'start' | 'end') =>
    new Promise<void>((resolve) => {
      const onCommand = (_time: string, args: string[], source: string) => {
        if (args[0]?.toLowerCase() === 'echo' && args[1] === `${marker}-${end}`) {
          monitor.off('monitor', onCommand);
          resolve();
        } else if (end === 'end' && source !== 'lua' && !args[1]?.startsWith(marker)) seen.push(args[0]!.toLowerCase());
      };
      monitor.on('monitor', onCommand);
    });
  const started = reached('start');
  await observer.echo(`${marker}-start`);
  await started;
  const ended = reached('end');
  const before = await scriptCalls(observer);
  await action();
  const scripts = (await scriptCalls(observer)) - before;
  await observer.echo(`${marker}-end`);
  await ended;
  return { scripts, total: seen.filter((command) => command !== 'info').length };
}

// Its own redis-server: the suite's shared one counts other test files' commands too.
describe('Redis round trips per decision', () => {
  let server: RedisProcess;
  let observer: Redis;
  let monitor: Redis;
  let harness: Harness;
  const key = keyRecord('app');

  beforeAll(async () => {
    server = await RedisProcess.start();
    observer = createRedis(server.url) as Redis;
    await waitReady(observer);
    monitor = await observer.monitor();
    harness = await openHarness('redis', {
      store: { redisUrl: server.url },
      quotas: { perKey: [{ limit: 2, window: '1h' }, { limit: 10, window: '1d' }], perIp: [{ limit: 5, window: '1h' }, { limit: 9, window: '1d' }] },
    });
    // Loads the script (EVALSHA, then EVAL on NOSCRIPT) so later calls are the steady state.
    await harness.admission.admit(keyRecord('warm-up'), '10.6.0.9');
  });

  afterAll(async () => {
    await harness.close();
    monitor.disconnect();
    await observer.quit();
    await server.kill();
  });

  it('is exactly one script call for an admitted request', async () => {
    let admitted = false;
    const calls = await callsDuring(observer, monitor, async () => ({ admitted } = await harness.admission.admit(key, '10.6.0.1')));
    expect(admitted).toBe(true);
    expect(calls).toEqual({ scripts: 1, total: 1 });
  });

  it('is exactly one script call for a rejected request', async () => {
    await harness.admission.admit(key, '10.6.0.1');
    let admitted = true;
    const calls = await callsDuring(observer, monitor, async () => ({ admitted } = await harness.admission.admit(key, '10.6.0.1')));
    expect(admitted).toBe(false);
    expect(calls).toEqual({ scripts: 1, total: 1 });
  });
});
