import { randomBytes } from 'node:crypto';
import type { Gateway } from '../../src/gateway.js';
import type { Logger } from '../../src/ops/logger.js';
import { startSimulator, type Simulator } from '../../src/simulator/server.js';
import { png1x1 } from '../support/images.js';
import { startInProcessGateway } from '../support/in-process-gateway.js';
import { redisUrl } from '../support/redis.js';

export interface TestGateway {
  gateway: Gateway;
  simulator: Simulator;
  url: string;
  adminToken: string;
  /** Secret of the static key `app1`. */
  appKey: string;
  /** Credential of the one lane (a secret that must never be logged). */
  laneClientId: string;
  close(): Promise<void>;
}

/** A gateway on real Redis (random prefix) with one static key and one lane to an in-process simulator. */
export async function startTestGateway(options: { logger?: Logger; adminToken?: string | null } = {}): Promise<TestGateway> {
  // The upstream's per-IP limit is the lane's, so what the lane counts and what the upstream reports agree.
  const simulator = await startSimulator({ ipLimits: [{ limit: 100, windowMs: 3_600_000 }] });
  const adminToken = options.adminToken === undefined ? `admin-${randomBytes(12).toString('hex')}` : options.adminToken;
  const appKey = `k_app1_${randomBytes(12).toString('hex')}`;
  const laneClientId = `lane-cred-${randomBytes(8).toString('hex')}`;
  const started = await startInProcessGateway(
    {
      server: { maxWait: '10s' },
      admin: { token: adminToken },
      quotas: { policy: 'all', perKey: [{ limit: 20, window: '1h' }], perIp: [{ limit: 100, window: '1h' }] },
      keys: [{ id: 'app1', key: appKey }],
      // Tests upload the same pixel many times; each must count as its own upload.
      queue: { dedupe: false },
      upstream: { url: simulator.url, attempts: 1, lanes: [{ id: 'lane1', clientId: laneClientId, localAddress: '127.0.0.2', limits: [{ limit: 100, window: '1h' }] }] },
    },
    { redisUrl: redisUrl(), ...(options.logger && { logger: options.logger }) },
  );
  return {
    gateway: started.gateway,
    simulator,
    url: started.gateway.url,
    adminToken: adminToken ?? '',
    appKey,
    laneClientId,
    async close() {
      await started.close();
      await simulator.close();
    },
  };
}

/** An admin API call with the gateway's token (or the one given); answers status and parsed JSON. */
export async function admin(target: TestGateway, method: string, path: string, body?: unknown, token = target.adminToken) {
  const response = await fetch(`${target.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, body: (await response.json().catch(() => undefined)) as any };
}

/** One multipart PNG upload. */
export async function upload(url: string, headers: Record<string, string>, path = '/3/image') {
  const form = new FormData();
  form.append('image', new Blob([png1x1], { type: 'image/png' }), 'pixel.png');
  const response = await fetch(`${url}${path}`, { method: 'POST', headers, body: form });
  return { status: response.status, headers: response.headers, body: (await response.json().catch(() => undefined)) as any };
}
