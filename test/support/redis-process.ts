import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { accepts, freePort } from './ports.js';

/** A redis-server of the test's own, which it may kill and restart (never the suite's shared one). */
export class RedisProcess {
  private child?: ChildProcess;

  private constructor(
    readonly port: number,
    /** Set for a server that keeps its data across restarts: its append-only file's directory. */
    private readonly dataDir?: string,
  ) {}

  /** `persistent`: append-only file, fsynced on every write, so a restart keeps everything acknowledged. */
  static async start(options: { persistent?: boolean } = {}): Promise<RedisProcess> {
    const dataDir = options.persistent ? await mkdtemp(join(tmpdir(), 'upgate-redis-')) : undefined;
    const server = new RedisProcess(await freePort(), dataDir);
    await server.restart();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts (again) on the same port and resolves once it accepts connections. */
  async restart(): Promise<void> {
    const persistence = this.dataDir ? ['--dir', this.dataDir, '--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'];
    this.child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--enable-debug-command', 'local', ...persistence], { stdio: 'ignore' });
    for (let attempt = 0; !(await accepts(this.port)); attempt++) {
      if (attempt > 200 || this.child.exitCode !== null) throw new Error(`redis-server did not start on port ${this.port}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    child.kill(signal);
    await once(child, 'exit');
  }

  /** Stops the server for good and removes its data. */
  async remove(): Promise<void> {
    await this.kill('SIGTERM');
    if (this.dataDir) await rm(this.dataDir, { recursive: true, force: true });
  }
}
