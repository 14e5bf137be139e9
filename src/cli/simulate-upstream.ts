import { Command, InvalidArgumentError } from 'commander';
import { parseDuration } from '../config/units.js';
import type { WindowLimit } from '../simulator/fixed-windows.js';

/** `10/10s` → { limit: 10, windowMs: 10000 }, collected across repeated flags. */
function windowLimit(value: string, previous: WindowLimit[] = []): WindowLimit[] {
  const match = /^(\d+)\/(.+)$/.exec(value.trim());
  const windowMs = match ? parseDuration(match[2]!) : undefined;
  if (!match || !windowMs) throw new InvalidArgumentError(`expected LIMIT/DURATION like "10/10s", got "${value}"`);
  return [...previous, { limit: Number(match[1]), windowMs }];
}

function duration(value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined) throw new InvalidArgumentError(`expected a duration like "250ms", got "${value}"`);
  return ms;
}

function port(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0 || number > 65535) throw new InvalidArgumentError(`expected a port, got "${value}"`);
  return number;
}

/** `upgate simulate-upstream`: runs the Imgur-like upstream simulator until SIGTERM/SIGINT. */
export function simulateUpstreamCommand(): Command {
  return new Command('simulate-upstream')
    .description('run an Imgur v3-like upstream with per-IP and per-client limits and fault injection (POST /_sim/faults)')
    .option('--host <host>', 'listen address', '127.0.0.1')
    .option('--port <port>', 'listen port (0 = any free port)', port, 3030)
    .option('--ip-limit <limit/window>', 'uploads per source IP, repeatable (default 50/1h and 200/1d)', windowLimit)
    .option('--client-limit <limit/window>', 'uploads per Client-ID, repeatable (default 12500/1d)', windowLimit)
    .option('--latency <duration>', 'delay before every answer', duration, 0)
    .action(async (flags: { host: string; port: number; ipLimit?: WindowLimit[]; clientLimit?: WindowLimit[]; latency: number }) => {
      // Loaded only for this command: `upgate serve` never pays for the simulator's modules.
      const { startSimulator } = await import('../simulator/server.js');
      const simulator = await startSimulator({
        host: flags.host,
        port: flags.port,
        latencyMs: flags.latency,
        ...(flags.ipLimit && { ipLimits: flags.ipLimit }),
        ...(flags.clientLimit && { clientLimits: flags.clientLimit }),
      });
      process.stdout.write(`${JSON.stringify({ event: 'listening', url: simulator.url })}\n`);
      const stop = () => void simulator.close().then(() => process.exit(0));
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });
}
