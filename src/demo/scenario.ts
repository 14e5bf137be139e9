import { parseConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';

/** How big the demo is: Imgur's per-IP limit (50 per hour) scaled down to seconds. */
export interface DemoScenario {
  apps: number;
  uploadsPerApp: number;
  /** The simulator's per-source-IP limit, which each lane's egress address gets too. */
  ipLimit: { limit: number; windowMs: number };
  /** Egress addresses of the gateway's lanes; the apps share 127.0.0.1. */
  laneAddresses: string[];
  /** How often the progress view redraws. */
  refreshMs: number;
}

export function demoScenario(fast: boolean): DemoScenario {
  const laneAddresses = ['127.0.0.2', '127.0.0.3', '127.0.0.4'];
  return fast
    ? { apps: 3, uploadsPerApp: 8, ipLimit: { limit: 5, windowMs: 2_000 }, laneAddresses, refreshMs: 250 }
    : { apps: 4, uploadsPerApp: 25, ipLimit: { limit: 10, windowMs: 5_000 }, laneAddresses, refreshMs: 200 };
}

export const appId = (index: number) => `app-${index + 1}`;

/** One lane per egress address with the simulator's limits, one key per app, quotas that never get in the way. */
export function demoGatewayConfig(options: { scenario: DemoScenario; upstreamUrl: string; spoolDir: string; adminToken: string; appKeys: string[]; port: number }): Config {
  const { scenario } = options;
  const roomy = [{ limit: 100_000, window: '1h' }];
  return parseConfig(
    {
      server: { host: '127.0.0.1', port: options.port, maxWait: '1s' },
      store: { redisUrl: null, spoolDir: options.spoolDir },
      admin: { token: options.adminToken },
      quotas: { policy: 'all', perKey: roomy, perIp: roomy },
      keys: options.appKeys.map((key, index) => ({ id: appId(index), key })),
      upstream: {
        url: options.upstreamUrl,
        timeout: '5s',
        retryBackoff: '100ms',
        lanes: scenario.laneAddresses.map((localAddress, index) => ({
          id: `lane-${index + 1}`,
          clientId: `demo-lane-${index + 1}`,
          localAddress,
          limits: [{ limit: scenario.ipLimit.limit, window: scenario.ipLimit.windowMs }],
        })),
      },
      // The demo's apps upload the same tiny image again and again; each one must really go upstream.
      queue: { dedupe: false },
      log: { level: 'error' },
    },
    'demo config',
  );
}
