import { Redis } from 'ioredis';
import { startChild } from './child.js';
import { freePort } from './net.js';

/** A private redis-server for one bench run: never a user's Redis, so the bench may read its INFO freely. */
export interface BenchRedis {
  url: string;
  pid: number;
  /** A client of the bench's own (not the gateway's), for INFO and seeding. */
  client: Redis;
  stop(): Promise<void>;
}

export async function startRedis(): Promise<BenchRedis> {
  const port = await freePort();
  const child = startChild('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']);
  const client = new Redis(port, '127.0.0.1', { retryStrategy: (times) => (times > 50 ? null : 100) });
  // Refused connections while redis-server starts are retried; they are not errors worth printing.
  client.on('error', () => {});
  await client.ping();
  return {
    url: `redis://127.0.0.1:${port}`,
    pid: child.pid,
    client,
    async stop() {
      client.disconnect();
      await child.stop();
    },
  };
}

/** What Redis has done so far, from INFO: commands by name, total commands, CPU seconds. */
export interface RedisCounters {
  /** Calls per command name (`cmdstat_evalsha` → `evalsha`). */
  calls: Record<string, number>;
  totalCommands: number;
  cpuSeconds: number;
}

export async function readCounters(client: Redis): Promise<RedisCounters> {
  const info = parseInfo(await client.info('everything'));
  const calls: Record<string, number> = {};
  for (const [name, value] of Object.entries(info)) {
    const match = /^cmdstat_(.+)$/.exec(name);
    const count = /(?:^|,)calls=(\d+)/.exec(value);
    if (match && count) calls[match[1]!] = Number(count[1]);
  }
  return {
    calls,
    totalCommands: Number(info.total_commands_processed ?? 0),
    cpuSeconds: Number(info.used_cpu_sys ?? 0) + Number(info.used_cpu_user ?? 0),
  };
}

/** `after - before`, dropping commands that were not called in between. */
export function diffCounters(before: RedisCounters, after: RedisCounters): RedisCounters {
  const calls: Record<string, number> = {};
  for (const [name, count] of Object.entries(after.calls)) {
    const delta = count - (before.calls[name] ?? 0);
    if (delta > 0) calls[name] = delta;
  }
  return { calls, totalCommands: after.totalCommands - before.totalCommands, cpuSeconds: after.cpuSeconds - before.cpuSeconds };
}

export async function redisVersion(client: Redis): Promise<string> {
  return parseInfo(await client.info('server')).redis_version ?? 'unknown';
}

function parseInfo(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const at = line.indexOf(':');
    if (at > 0 && !line.startsWith('#')) fields[line.slice(0, at)] = line.slice(at + 1);
  }
  return fields;
}
