import type { Command } from 'commander';

/** A failure to report as one line on stderr; exit code 1 for failures, 2 for usage errors. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 1,
  ) {
    super(message);
  }
}

/** Wraps an action so that any failure becomes `upgate: <message>` on stderr and the right exit code. */
export function action<A extends unknown[]>(run: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args) => {
    try {
      await run(...args);
    } catch (error) {
      process.stderr.write(`upgate: ${(error as Error).message}\n`);
      process.exitCode = error instanceof CliError ? error.exitCode : 1;
    }
  };
}

/**
 * Makes commander's own errors (unknown option, missing argument, bad choice) exit 2, the usage
 * exit code, instead of its default 1; help and version still exit 0. Applies to every subcommand.
 */
export function usageExitCodes(command: Command): Command {
  command.showHelpAfterError('(add --help for usage)');
  command.exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2));
  for (const sub of command.commands) usageExitCodes(sub);
  return command;
}
