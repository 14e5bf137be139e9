import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { accepts, freePort } from './ports.js';
import { startRedisServer, stopAll, until } from './redis-cluster.js';

export const sentinelMaster = 'upgate-test';

/**
 * A master watched by one Sentinel (started with a generated config), on free ports, started by
 * the tests that need it. The client finds the master by asking the Sentinel.
 */
export class RedisSentinel {
  private constructor(
    private readonly dir: string,
    readonly masterPort: number,
    readonly sentinelPort: number,
    private readonly children: ChildProcess[],
  ) {}

  static async start(): Promise<RedisSentinel> {
    const dir = await mkdtemp(join(tmpdir(), 'upgate-sentinel-'));
    const master = await startRedisServer(dir, []);
    const sentinelPort = await freePort();
    const config = join(dir, 'sentinel.conf');
    await writeFile(
      config,
      [`port ${sentinelPort}`, 'bind 127.0.0.1', `dir ${dir}`, `sentinel monitor ${sentinelMaster} 127.0.0.1 ${master.port} 1`, `sentinel down-after-milliseconds ${sentinelMaster} 2000`, ''].join('\n'),
    );
    const sentinel = spawn('redis-server', [config, '--sentinel'], { stdio: 'ignore' });
    const setup = new RedisSentinel(dir, master.port, sentinelPort, [sentinel, master.child]);
    try {
      await until(`sentinel on port ${sentinelPort}`, async () => {
        if (sentinel.exitCode !== null) throw new Error('redis sentinel exited');
        return accepts(sentinelPort);
      });
    } catch (error) {
      await setup.stop();
      throw error;
    }
    return setup;
  }

  /** The Sentinel form of REDIS_URL. */
  get url(): string {
    return `redis+sentinel://127.0.0.1:${this.sentinelPort}/${sentinelMaster}`;
  }

  async stop(): Promise<void> {
    await stopAll(this.children);
    await rm(this.dir, { recursive: true, force: true });
  }
}
