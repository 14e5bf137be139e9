import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, vi } from 'vitest';
import type { ConfigInput } from '../../src/config/schema.js';
import { connectRedis, redisUrl, removePrefix, testPrefix } from '../support/redis.js';
import { png1x1 } from '../support/images.js';

export type E2eStore = 'redis' | 'embedded';

/** A Redis prefix and a spool directory of the test's own; `cleanup` removes both. */
export class E2eSandbox {
  readonly prefix = testPrefix();

  private constructor(readonly dir: string) {}

  static async open(): Promise<E2eSandbox> {
    return new E2eSandbox(await mkdtemp(join(tmpdir(), 'upgate-e2e-')));
  }

  /** The `store` section for either mode (same prefix / spool every time, so a restart finds its state). */
  storeConfig(store: E2eStore): ConfigInput['store'] {
    return { redisUrl: store === 'redis' ? redisUrl() : null, prefix: this.prefix, spoolDir: join(this.dir, 'spool') };
  }

  async cleanup(): Promise<void> {
    const redis = await connectRedis();
    await removePrefix(redis, this.prefix);
    await redis.quit();
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** Static keys `app-1` … `app-n` with secrets `k_e2e_app_1_secret` …. */
export function appKeys(n: number): { id: string; key: string }[] {
  return Array.from({ length: n }, (_, i) => ({ id: `app-${i + 1}`, key: `k_e2e_app_${i + 1}_secret` }));
}

/** Lanes on 127.0.0.2, 127.0.0.3 … (one credential each), every one with the same limits. */
export function loopbackLanes(n: number, limit: { limit: number; window: string }) {
  return Array.from({ length: n }, (_, i) => ({ id: `lane-${i + 1}`, clientId: `e2e-cred-${i + 1}`, localAddress: `127.0.0.${i + 2}`, limits: [limit] }));
}

/** A PNG nobody sent before: random bytes after IEND keep it a PNG but give it its own SHA-256. */
export function distinctPng(): { bytes: Buffer; sha256: string } {
  const bytes = Buffer.concat([png1x1, randomBytes(16)]);
  return { bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
}

export interface SentUpload {
  jobId: string;
  key: string;
  sha256: string;
}

/** POSTs one image with `Prefer: respond-async` and expects the 202 with its job id. */
export async function uploadAsync(gatewayUrl: string, key: string): Promise<SentUpload> {
  const image = distinctPng();
  const response = await fetch(`${gatewayUrl}/3/image`, {
    method: 'POST',
    headers: { authorization: `Client-ID ${key}`, 'content-type': 'image/png', prefer: 'respond-async' },
    body: new Uint8Array(image.bytes),
  });
  const body = (await response.json()) as { data: { id?: string; error?: string } };
  expect(response.status, JSON.stringify(body)).toBe(202);
  return { jobId: body.data.id!, key, sha256: image.sha256 };
}

/** The job's status as GET /3/jobs/:id answers it to its key. */
export async function jobStatus(gatewayUrl: string, upload: SentUpload): Promise<string> {
  const response = await fetch(`${gatewayUrl}/3/jobs/${upload.jobId}`, { headers: { authorization: `Client-ID ${upload.key}` } });
  const body = (await response.json()) as { job?: { status: string }; data: { error?: string } };
  if (!body.job) throw new Error(`GET /3/jobs/${upload.jobId} answered ${response.status}: ${JSON.stringify(body)}`);
  return body.job.status;
}

/** Polls GET /3/jobs/:id on `gatewayUrl` until every upload is done; a failed job is named in the error. */
export async function waitAllDone(gatewayUrl: string, uploads: SentUpload[], timeoutMs: number): Promise<void> {
  let pending = uploads;
  await vi.waitFor(
    async () => {
      const statuses = await Promise.all(pending.map((u) => jobStatus(gatewayUrl, u)));
      const failed = pending.filter((_, i) => statuses[i] === 'failed');
      if (failed.length > 0) throw new Error(`jobs failed: ${failed.map((u) => u.jobId).join(', ')}`);
      pending = pending.filter((_, i) => statuses[i] !== 'done');
      expect(pending.map((u) => u.jobId)).toEqual([]);
    },
    { timeout: timeoutMs, interval: 250 },
  );
}

/** How many times each value occurs. */
export function tally<T>(values: Iterable<T>): Map<T, number> {
  const counts = new Map<T, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return counts;
}
