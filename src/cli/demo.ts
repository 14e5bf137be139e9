import { once } from 'node:events';
import { Command, InvalidArgumentError } from 'commander';
import type { DemoSummary } from '../demo/run-demo.js';
import { action, CliError } from './run.js';

function port(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0 || number > 65_535) throw new InvalidArgumentError(`expected a port 0-65535, got "${value}"`);
  return number;
}

/** `--keep`: the gateway and its dashboard stay up, with everything the run left to look at, until Ctrl-C. */
async function untilInterrupted(dashboardUrl: string): Promise<void> {
  process.stdout.write(`\nKeeping the gateway up: open ${dashboardUrl}\nPress Ctrl-C to stop.\n`);
  await Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]);
}

function printSummary(summary: DemoSummary): void {
  const { direct, upgate } = summary;
  const perApp = Object.entries(upgate.perApp).map(([id, count]) => `${id} ${count}`).join(', ');
  process.stdout.write(
    [
      '',
      'Summary',
      `  direct: ${direct.ok} ok / ${direct.rejected} rejected (upstream 429 "${direct.message ?? ''}")`,
      `  upgate: ${upgate.delivered}/${upgate.submitted} delivered, ${upgate.failed} failed, ${upgate.upstream429s} upstream 429s, elapsed ${(upgate.elapsedMs / 1000).toFixed(1)}s`,
      `  delivered per app: ${perApp}`,
      '',
    ].join('\n'),
  );
}

/** `upgate demo`: direct vs. through upgate, side by side, with no Redis and no internet. */
export function demoCommand(): Command {
  return new Command('demo')
    .description('show, on this machine alone, apps behind one IP hitting upstream limits directly and getting everything through upgate')
    .option('--fast', 'a smaller, quicker run (for tests)')
    .option('--json', 'print the summary as JSON')
    .option('--keep', 'keep the gateway and its dashboard up after the run, until Ctrl-C')
    .option('--port <port>', 'gateway port (default: any free port)', port)
    .option('--upstream-port <port>', 'simulator port (default: any free port)', port)
    .option('--profile <profile>', 'the upstream simulator\'s profile: tidy, or imgur (its real headers and 429s)', 'tidy')
    .action(
      action(async (flags: { fast?: boolean; json?: boolean; keep?: boolean; port?: number; upstreamPort?: number; profile: string }) => {
        if (flags.profile !== 'tidy' && flags.profile !== 'imgur') throw new CliError(`--profile must be "tidy" or "imgur", got "${flags.profile}"`, 2);
        // Loaded on use: the other commands stay quick to start without the whole gateway.
        const { runDemo } = await import('../demo/run-demo.js');
        const report = (summary: DemoSummary) => (flags.json ? process.stdout.write(`${JSON.stringify(summary)}\n`) : printSummary(summary));
        const summary = await runDemo({
          fast: flags.fast ?? false,
          out: flags.json ? process.stderr : process.stdout,
          profile: flags.profile,
          ...(flags.port !== undefined && { port: flags.port }),
          ...(flags.upstreamPort !== undefined && { upstreamPort: flags.upstreamPort }),
          whileUp: async (summary, dashboardUrl) => {
            report(summary);
            if (flags.keep) await untilInterrupted(dashboardUrl);
          },
        });
        const { upgate } = summary;
        if (upgate.delivered !== upgate.submitted || upgate.upstream429s > 0) throw new CliError('the demo did not deliver everything without upstream 429s');
      }),
    );
}
