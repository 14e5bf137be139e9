import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { ConfigInput } from '../../src/config/schema.js';
import { freePort } from './ports.js';

const root = new URL('../../', import.meta.url);
/** Variables that would override the YAML: the child sees only what the test wrote. */
const overriding = ['PORT', 'HOST', 'REDIS_URL', 'UPGATE_CONFIG', 'UPGATE_ADMIN_TOKEN', 'UPSTREAM_URL', 'UPSTREAM_CLIENT_ID', 'LOG_LEVEL', 'LOG_FORMAT'];
const readyTimeoutMs = 30_000;
const outputKept = 20_000;

/**
 * `upgate serve` as a real child process on a temporary YAML config and a fixed port, so it can be
 * killed (SIGKILL: a crash; SIGTERM: a graceful stop) and started again on the same config, store
 * and URL. Its output is kept (the tail) for failure messages.
 */
export class GatewayProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private tail = '';

  private constructor(
    readonly url: string,
    private readonly configPath: string,
    private readonly dir: string,
    private readonly readyPath = '/readyz',
  ) {}

  /**
   * Writes the config (server.host/port filled in) and starts the process; resolves once GET /readyz
   * answers 200 (or `readyPath`, e.g. /healthz for a gateway that is meant not to be ready).
   */
  static async start(config: ConfigInput, options: { readyPath?: string } = {}): Promise<GatewayProcess> {
    // A port found free can be taken by another process before the child binds it (the suites of a
    // busy machine run side by side): then the start is tried again on another free port.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const dir = await mkdtemp(join(tmpdir(), 'upgate-gateway-'));
      const configPath = join(dir, 'config.yaml');
      // The embedded store's spool is the process's own (the default, `.spool` in the working
      // directory, would carry quotas and jobs over from earlier runs); it outlives restarts.
      const store = { spoolDir: join(dir, 'spool'), ...config.store };
      await writeFile(configPath, stringify({ ...config, store, server: { ...config.server, host: '127.0.0.1', port } }));
      const gateway = new GatewayProcess(`http://127.0.0.1:${port}`, configPath, dir, options.readyPath ?? '/readyz');
      try {
        await gateway.restart();
        return gateway;
      } catch (error) {
        await gateway.dispose();
        if (attempt >= 3 || !gateway.output().includes('EADDRINUSE')) throw error;
      }
    }
  }

  /** The exit code of the last run (null while running or after a signal). */
  get exitCode(): number | null {
    return this.child?.exitCode ?? null;
  }

  /** The last output of the process (stdout and stderr), for failure messages. */
  output(): string {
    return this.tail;
  }

  /** Replaces the config file (same host and port), for the next restart. */
  async rewriteConfig(config: ConfigInput): Promise<void> {
    const { port } = new URL(this.url);
    await writeFile(this.configPath, stringify({ ...config, server: { ...config.server, host: '127.0.0.1', port: Number(port) } }));
  }

  /** Starts the process again on the same config (it must have been stopped). */
  async restart(): Promise<void> {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) throw new Error('gateway process is still running');
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !overriding.includes(name)));
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--config', this.configPath], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const keep = (chunk: Buffer) => (this.tail = (this.tail + chunk.toString()).slice(-outputKept));
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    await this.waitReady(child);
  }

  /** Sends `signal` and waits for the exit. SIGKILL is a crash: nothing is handed back or flushed. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child) return;
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await this.exited;
  }

  /** Stops the process (SIGKILL: tests end fast) and removes its config directory. */
  async dispose(): Promise<void> {
    await this.stop('SIGKILL');
    await rm(this.dir, { recursive: true, force: true });
  }

  private async waitReady(child: ChildProcess): Promise<void> {
    const deadline = Date.now() + readyTimeoutMs;
    let gone = false;
    void this.exited.then(() => (gone = true));
    while (Date.now() < deadline) {
      if (gone) throw new Error(`gateway exited before ready (code ${child.exitCode}, signal ${child.signalCode}):\n${this.tail}`);
      const ready = await fetch(`${this.url}${this.readyPath}`).then((r) => r.ok, () => false);
      if (ready) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`gateway not ready within ${readyTimeoutMs} ms:\n${this.tail}`);
  }
}
