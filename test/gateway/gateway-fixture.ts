import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/config/load.js';
import type { ConfigInput } from '../../src/config/schema.js';
import { startGateway, type Gateway } from '../../src/gateway.js';
import { createLogger } from '../../src/ops/logger.js';
import { connectRedis, removePrefix, testPrefix } from '../support/redis.js';
import { png1x1 } from '../support/images.js';

export const appKey = 'k_gateway_fixture_secret';

/** A gateway listening on 127.0.0.1 with key `app1` (`appKey`), on its own Redis prefix and spool directory. */
export async function startFixtureGateway(input: ConfigInput & { redisUrl: string | null }): Promise<{ gateway: Gateway; close(): Promise<void> }> {
  const { redisUrl, ...rest } = input;
  const dir = await mkdtemp(join(tmpdir(), 'upgate-gateway-'));
  const prefix = testPrefix();
  const config = parseConfig({
    ...rest,
    server: { host: '127.0.0.1', port: 0, ...rest.server },
    store: { redisUrl, prefix, spoolDir: join(dir, 'spool'), ...rest.store },
    keys: [{ id: 'app1', key: appKey }],
  });
  const gateway = await startGateway({ config, logger: createLogger('silent') });
  return {
    gateway,
    async close() {
      await gateway.close(1_000);
      if (redisUrl) {
        const redis = await connectRedis();
        await removePrefix(redis, prefix);
        await redis.quit();
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A PNG no other test sends: the pixel with random bytes after its end (still a PNG), so dedupe never merges it. */
export function uniquePng(): Uint8Array<ArrayBuffer> {
  return new Uint8Array(Buffer.concat([png1x1, Buffer.from(crypto.getRandomValues(new Uint8Array(16)))]));
}

/** POSTs raw PNG bytes with the fixture key; answers status, headers and parsed body. */
export async function postImage(url: string, path = '/3/image', headers: Record<string, string> = {}) {
  const response = await fetch(`${url}${path}`, { method: 'POST', headers: { 'x-api-key': appKey, 'content-type': 'image/png', ...headers }, body: uniquePng() });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, body: text.startsWith('{') ? JSON.parse(text) : undefined };
}
