import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { accepts, freePort } from './ports.js';

const run = promisify(execFile);

/** Waits until `check` passes, polling; fails with `what` after `timeoutMs`. */
export async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Starts one redis-server with `args` on a free port, resolving once it accepts connections. */
export async function startRedisServer(dir: string, args: string[]): Promise<{ port: number; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', ...args], { stdio: 'ignore' });
  await until(`redis-server on port ${port}`, async () => {
    if (child.exitCode !== null) throw new Error(`redis-server exited on port ${port}`);
    return accepts(port);
  });
  return { port, child };
}

export async function stopAll(children: ChildProcess[]): Promise<void> {
  await Promise.all(
    children.map(async (child) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    }),
  );
}

/**
 * A real 3-master Redis Cluster (no replicas) on free ports, started by the tests that need it:
 * three `redis-server --cluster-enabled yes`, joined by `redis-cli --cluster create`, ready once
 * every node reports cluster_state:ok.
 */
export class RedisCluster {
  private constructor(
    private readonly dir: string,
    readonly ports: number[],
    private readonly children: ChildProcess[],
  ) {}

  static async start(): Promise<RedisCluster> {
    const dir = await mkdtemp(join(tmpdir(), 'upgate-cluster-'));
    const nodes = await Promise.all(
      [0, 1, 2].map(async (index) => {
        const nodeDir = join(dir, String(index));
        await run('mkdir', ['-p', nodeDir]);
        return startRedisServer(nodeDir, ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '2000']);
      }),
    );
    const cluster = new RedisCluster(dir, nodes.map((node) => node.port), nodes.map((node) => node.child));
    try {
      await run('redis-cli', ['--cluster', 'create', ...cluster.ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', '0', '--cluster-yes']);
      for (const port of cluster.ports) {
        await until(`cluster_state:ok on ${port}`, async () => (await run('redis-cli', ['-p', String(port), 'cluster', 'info'])).stdout.includes('cluster_state:ok'));
      }
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  /** The Cluster form of REDIS_URL, naming every node. */
  get url(): string {
    return `redis+cluster://${this.ports.map((port) => `127.0.0.1:${port}`).join(',')}`;
  }

  async stop(): Promise<void> {
    await stopAll(this.children);
    await rm(this.dir, { recursive: true, force: true });
  }
}
