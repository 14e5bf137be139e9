import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { GatewayProcess } from '../support/gateway-process.js';
import { largePng } from '../support/images.js';
import { spawnSimulator, type SpawnedSimulator } from '../support/simulator.js';
import { E2eSandbox, type E2eStore } from '../e2e/e2e-fixture.js';
import { appKey, startTrustGateway, storedPayloads, stores } from './trust-fixture.js';

const uploads = 40;
/**
 * The spool gets the report's sizes (10 MB cap, 12 MB uploads): smaller ones rarely hit its
 * close/error race. Redis gets 1 MB / 1.5 MB: 40 × 10 MB streamed into it at once passes its 1 s
 * command timeout on a loaded machine, which is a correct 503, not what this test is about.
 */
const sizes = { embedded: { cap: 10 * 1024 * 1024, image: 12 * 1024 * 1024 }, redis: { cap: 1024 * 1024, image: 1536 * 1024 } };

/** POSTs `body` chunked (no Content-Length) in 256 KB pieces; resolves with the status once the answer comes. */
function postChunked(url: string, headers: Record<string, string>, body: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/3/image`, { method: 'POST', headers: { ...headers, 'transfer-encoding': 'chunked', authorization: `Client-ID ${appKey}` } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
      // The answer is in: the rest of the body is not needed.
      req.destroy();
    });
    req.on('error', (error) => reject(error));
    let offset = 0;
    const pump = () => {
      while (offset < body.length) {
        const piece = body.subarray(offset, (offset += 256 * 1024));
        if (!req.write(piece)) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

function multipartBody(bytes: Buffer, boundary: string): Buffer {
  return Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="big.png"\r\nContent-Type: image/png\r\n\r\n`),
    bytes,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
}

describe.each(stores)('over-cap chunked uploads (%s store)', (store: E2eStore) => {
  let sandbox: E2eSandbox;
  let simulator: SpawnedSimulator;
  let gateway: GatewayProcess;
  const { cap } = sizes[store];
  const image = largePng(sizes[store].image);

  beforeAll(async () => {
    sandbox = await E2eSandbox.open();
    simulator = await spawnSimulator();
    gateway = await startTrustGateway(sandbox, store, {
      server: { maxUploadBytes: cap },
      upstream: { url: simulator.url, lanes: [{ id: 'lane1', clientId: 'trust-cred' }] },
      log: { level: 'warn' },
    });
  });

  afterAll(async () => {
    await gateway?.dispose();
    await simulator?.stop();
    await sandbox?.cleanup();
  });

  it(`answers ${uploads} concurrent ones 413/1002 and keeps nothing of them`, async () => {
    const boundary = 'trust-over-cap-boundary';
    const statuses = await Promise.all(
      Array.from({ length: uploads }, (_, i) =>
        i % 2 === 0
          ? postChunked(gateway.url, { 'content-type': 'image/png' }, image)
          : postChunked(gateway.url, { 'content-type': `multipart/form-data; boundary=${boundary}` }, multipartBody(image, boundary)),
      ),
    );
    expect(statuses).toEqual(Array.from({ length: uploads }, () => 413));
    // The last removals may still be under way when the last answer arrives.
    await vi.waitFor(async () => expect(await storedPayloads(sandbox, store)).toEqual([]), { timeout: 15_000, interval: 50 });
    expect((await simulator.stats()).uploads).toBe(0);
  });
});
