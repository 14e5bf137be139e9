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

function share(value: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number < 0 || number > 1) throw new InvalidArgumentError(`expected a share between 0 and 1, got "${value}"`);
  return number;
}

function count(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0) throw new InvalidArgumentError(`expected a whole number, got "${value}"`);
  return number;
}

const single = (value: string) => windowLimit(value)[0]!;

interface Flags {
  host: string;
  port: number;
  ipLimit?: WindowLimit[];
  clientLimit?: WindowLimit[];
  latency: number;
  profile: 'tidy' | 'imgur';
  uploadCost: number;
  postLimit?: WindowLimit;
  userCredits?: WindowLimit;
  clientCredits?: WindowLimit;
  spurious429?: number;
  overCapacity?: number;
  seed?: number;
}

/** `upgate simulate-upstream`: runs the Imgur-like upstream simulator until SIGTERM/SIGINT. */
export function simulateUpstreamCommand(): Command {
  return new Command('simulate-upstream')
    .description('run an Imgur v3-like upstream with per-IP and per-client limits and fault injection (POST /_sim/faults)')
    .option('--host <host>', 'listen address', '127.0.0.1')
    .option('--port <port>', 'listen port (0 = any free port)', port, 3030)
    .option('--profile <profile>', 'tidy (exact reported windows) or imgur (credits, its real headers and 429 shapes)', (value) => {
      if (value !== 'tidy' && value !== 'imgur') throw new InvalidArgumentError('expected "tidy" or "imgur"');
      return value;
    }, 'tidy')
    .option('--ip-limit <limit/window>', 'uploads per source IP, repeatable (default 50/1h and 200/1d; hidden in the imgur profile)', windowLimit)
    .option('--client-limit <limit/window>', 'tidy: uploads per Client-ID, repeatable (default 1250/1d)', windowLimit)
    .option('--upload-cost <credits>', 'credits one upload costs', count, 10)
    .option('--post-limit <limit/window>', 'imgur: POSTs per IP (X-Post-Rate-Limit-*; default 1250/1h)', single)
    .option('--user-credits <limit/window>', 'imgur: credits per IP (X-RateLimit-User*; default 2000/1h)', single)
    .option('--client-credits <limit/window>', 'imgur: credits per Client-ID (X-RateLimit-Client*; default 12500/1d)', single)
    .option('--spurious-429 <share>', 'imgur: share of uploads refused 429 while counters show room (default 0)', share)
    .option('--over-capacity <share>', 'imgur: share of uploads answered 403 "over capacity" (default 0)', share)
    .option('--seed <n>', 'imgur: seed of the draws, for repeatable runs (default 1)', count)
    .option('--latency <duration>', 'delay before every answer', duration, 0)
    .action(async (flags: Flags) => {
      // Loaded only for this command: `upgate serve` never pays for the simulator's modules.
      const { startSimulator } = await import('../simulator/server.js');
      const imgur = {
        ...(flags.postLimit && { postLimit: flags.postLimit }),
        ...(flags.userCredits && { userCredits: flags.userCredits }),
        ...(flags.clientCredits && { clientCredits: flags.clientCredits }),
        ...(flags.spurious429 !== undefined && { spurious429: flags.spurious429 }),
        ...(flags.overCapacity !== undefined && { overCapacity: flags.overCapacity }),
        ...(flags.seed !== undefined && { seed: flags.seed }),
      };
      const simulator = await startSimulator({
        host: flags.host,
        port: flags.port,
        latencyMs: flags.latency,
        profile: flags.profile,
        uploadCost: flags.uploadCost,
        imgur,
        ...(flags.ipLimit && { ipLimits: flags.ipLimit }),
        ...(flags.clientLimit && { clientLimits: flags.clientLimit }),
      });
      process.stdout.write(`${JSON.stringify({ event: 'listening', url: simulator.url })}\n`);
      const stop = () => void simulator.close().then(() => process.exit(0));
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });
}
