import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

const scriptsDir = 'src/redis/scripts/';

/** Script name by the SHA-1 ioredis calls it with (EVALSHA), from the gateway's own `.lua` files. */
function scriptNamesBySha(): Map<string, string> {
  const names = new Map<string, string>();
  for (const file of readdirSync(scriptsDir)) {
    const match = /^(.+)-(\d+|n)\.lua$/.exec(file);
    if (match) names.set(createHash('sha1').update(readFileSync(scriptsDir + file, 'utf8')).digest('hex'), match[1]!);
  }
  return names;
}

/** Commands seen, by name, as sent by clients (`script:<name>` for the gateway's scripts, `script:other` for a library's; commands run inside scripts are not counted). */
export type CommandCounts = Record<string, number>;

/**
 * Watches every command clients send, with MONITOR on a connection of its own (the bench's Redis
 * is private, so MONITOR's cost and visibility are fine here). Scripts are named from their SHA-1,
 * which INFO commandstats cannot do: it counts every EVALSHA alike.
 */
export async function monitorCommands(client: Redis): Promise<{ take(): CommandCounts; stop(): Promise<void> }> {
  const names = scriptNamesBySha();
  const monitor = await client.monitor();
  let counts: CommandCounts = {};
  monitor.on('monitor', (_time: string, args: string[], source: string) => {
    if (source === 'lua') return;
    const command = args[0]?.toLowerCase() ?? '';
    if (command === 'info' || command === 'monitor') return;
    const name = command === 'evalsha' || command === 'eval' ? `script:${names.get(command === 'eval' ? createHash('sha1').update(args[1] ?? '').digest('hex') : (args[1] ?? '')) ?? 'other'}` : command;
    counts[name] = (counts[name] ?? 0) + 1;
  });
  return {
    take() {
      const taken = counts;
      counts = {};
      return taken;
    },
    stop: async () => monitor.disconnect(),
  };
}
