import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/config/load.js';
import type { ConfigInput } from '../../src/config/schema.js';
import { startGateway, type Gateway } from '../../src/gateway.js';
import { createLogger, type Logger } from '../../src/ops/logger.js';
import { createRedis, waitReady } from '../../src/redis/connect.js';
import { removePrefix, testPrefix } from './redis.js';

export interface InProcessGateway {
  gateway: Gateway;
  /** Stops the gateway and removes everything it stored: its Redis keys and its spool directory. */
  close(): Promise<void>;
}

/**
 * `config` served by a gateway in this process on 127.0.0.1 (a free port), on a Redis prefix of its
 * own (or the embedded store when `redisUrl` is null) and a temporary spool directory.
 */
export async function startInProcessGateway(config: ConfigInput, options: { redisUrl: string | null; logger?: Logger }): Promise<InProcessGateway> {
  const dir = await mkdtemp(join(tmpdir(), 'upgate-gateway-'));
  const prefix = testPrefix();
  const gateway = await startGateway({
    config: parseConfig({
      ...config,
      server: { host: '127.0.0.1', port: 0, ...config.server },
      store: { redisUrl: options.redisUrl, prefix, spoolDir: join(dir, 'spool'), ...config.store },
    }),
    // UPGATE_TEST_LOG=warn shows the gateway's log while a test is being investigated.
    logger: options.logger ?? createLogger(process.env.UPGATE_TEST_LOG ?? 'silent'),
  });
  return {
    gateway,
    async close() {
      await gateway.close(1_000);
      if (options.redisUrl) {
        // Its own Redis, whichever deployment (the suite's, a Cluster, a Sentinel's master).
        const redis = createRedis(options.redisUrl);
        await waitReady(redis);
        await removePrefix(redis, prefix);
        await redis.quit();
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
