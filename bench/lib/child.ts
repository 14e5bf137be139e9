import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

/** A process the bench started; `stop()` ends it (SIGTERM, then SIGKILL if it lingers). */
export interface Child {
  pid: number;
  /** The next stdout line that is a JSON object with `event === name`. */
  event(name: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Whether it is still running, and its last stderr lines (to explain a failed start). */
  running(): boolean;
  stderr(): string;
  stop(): Promise<void>;
}

const children = new Set<Child>();

/** Every child still running, stopped one by one, but for the pids in `keep` (e.g. the run's own Redis). */
export async function stopAll(keep: readonly number[] = []): Promise<void> {
  for (const child of [...children]) if (!keep.includes(child.pid)) await child.stop();
}

/** Starts `command args`; stderr is kept (last lines) so a failed start explains itself. */
export function startChild(command: string, args: string[], env: Record<string, string> = {}): Child {
  const proc = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const stderr: string[] = [];
  proc.stderr!.setEncoding('utf8').on('data', (text: string) => {
    stderr.push(text);
    if (stderr.length > 50) stderr.shift();
  });
  const events: Array<Record<string, unknown>> = [];
  const waiters = new Set<() => void>();
  createInterface({ input: proc.stdout! }).on('line', (line) => {
    const parsed = parseJson(line);
    if (!parsed) return;
    events.push(parsed);
    for (const wake of waiters) wake();
  });
  const exited = once(proc, 'exit');
  // An exit wakes the waiters too, so a process that dies before its event fails fast.
  proc.once('exit', () => {
    for (const wake of waiters) wake();
  });
  const child: Child = {
    pid: proc.pid!,
    async event(name, timeoutMs = 30_000) {
      const describe = () => `${command} ${args.join(' ')}: no "${name}" event (${proc.exitCode === null ? 'still running' : `exit ${proc.exitCode}`}); stderr: ${stderr.join('').slice(-2000)}`;
      for (;;) {
        const index = events.findIndex((event) => event.event === name);
        if (index >= 0) return events.splice(index, 1)[0]!;
        if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(describe());
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => {
            waiters.delete(wake);
            reject(new Error(describe()));
          }, timeoutMs);
          const wake = () => {
            clearTimeout(timer);
            waiters.delete(wake);
            resolve();
          };
          waiters.add(wake);
        });
      }
    },
    running: () => proc.exitCode === null && proc.signalCode === null,
    stderr: () => stderr.join('').slice(-2000),
    stop: () => stopProcess(proc, exited).finally(() => children.delete(child)),
  };
  children.add(child);
  return child;
}

/** Runs a Node entry point of this repo through tsx, the way `npx upgate` would. */
export function startNode(entry: string, args: string[], env: Record<string, string> = {}): Child {
  return startChild(process.execPath, ['--import', 'tsx', entry, ...args], env);
}

async function stopProcess(proc: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

function parseJson(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(line);
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
