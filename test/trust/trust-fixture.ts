import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ConfigInput } from '../../src/config/schema.js';
import { GatewayProcess } from '../support/gateway-process.js';
import { connectRedis } from '../support/redis.js';
import { E2eSandbox, type E2eStore } from '../e2e/e2e-fixture.js';

export const stores = ['redis', 'embedded'] as const satisfies readonly E2eStore[];
export const adminToken = 'trust-admin-token-0123456789';
export const appKey = 'k_trust_app1_secret';

/** A gateway process on its own Redis prefix or spool, with key `app1` (`appKey`) and the admin API on. */
export async function startTrustGateway(sandbox: E2eSandbox, store: E2eStore, config: ConfigInput = {}, options: { readyPath?: string } = {}): Promise<GatewayProcess> {
  return GatewayProcess.start(
    {
      log: { level: 'info' },
      admin: { token: adminToken },
      keys: [{ id: 'app1', key: appKey }],
      ...config,
      store: { ...sandbox.storeConfig(store), ...config.store },
    },
    options,
  );
}

/** One lane with room to spare (the simulator is spawned with `--ip-limit 1000/1h` to match). */
export const roomyUpstream = (url: string): ConfigInput['upstream'] => ({ url, lanes: [{ id: 'lane1', clientId: 'trust-cred', limits: [{ limit: 1000, window: '1h' }] }] });

/** What the store holds of payloads: files in the spool's payload directory, or payload keys in Redis. */
export async function storedPayloads(sandbox: E2eSandbox, store: E2eStore): Promise<string[]> {
  if (store === 'embedded') return readdir(join(sandbox.dir, 'spool', 'payloads')).catch(() => []);
  const redis = await connectRedis();
  try {
    return await redis.keys(`${sandbox.prefix}payload*`);
  } finally {
    await redis.quit();
  }
}

/** The JSON log lines the process wrote at error level or above. */
export function errorLines(gateway: GatewayProcess): string[] {
  return gateway
    .output()
    .split('\n')
    .filter((line) => {
      try {
        return (JSON.parse(line) as { level?: number }).level! >= 50;
      } catch {
        return false;
      }
    });
}

/** One admin API call. */
export async function admin(gateway: GatewayProcess, method: string, path: string, body?: unknown, token = adminToken) {
  const response = await fetch(`${gateway.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, body: (await response.json().catch(() => undefined)) as any };
}
