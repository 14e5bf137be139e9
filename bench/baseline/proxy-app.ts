/**
 * What every Express baseline of the bench shares: the gateway's own parsing (`readUpload`, into
 * bytes held in the process, as the gateway's cut-through holds them), the same upstream client and
 * the same renderer, behind whatever limiters a baseline puts in front. A ratio against one of them
 * measures exactly what the gateway's own steps (key lookup, quota, claim, lane budget) cost.
 */
import express, { type RequestHandler } from 'express';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { GatewayError } from '../../src/errors/catalogue.js';
import { errorMiddleware } from '../../src/http/error-middleware.js';
import { readUpload } from '../../src/http/parse/read-upload.js';
import { renderSuccess } from '../../src/http/render/index.js';
import { requestFormat } from '../../src/http/response-format.js';
import { createLogger } from '../../src/ops/logger.js';
import { HeldPayloadStore } from '../../src/store/held-payload-store.js';
import { createUpstreamClient } from '../../src/upstream/client.js';

/** Starts the baseline on the config of UPGATE_CONFIG and prints {"event":"listening","url":…}. */
export async function serveProxy(limiters: (config: Config) => RequestHandler[] | Promise<RequestHandler[]>, onClose: () => Promise<void> = async () => {}): Promise<void> {
  const config = loadConfig();
  const held = await HeldPayloadStore.open();
  const lane = config.upstream.lanes[0];
  if (!lane) throw new Error('the baseline needs one upstream lane in its config');
  const upstream = createUpstreamClient({ url: config.upstream.url, timeoutMs: config.upstream.timeout, payloads: held });

  const app = express();
  app.post('/3/image', ...(await limiters(config)), async (req, res, next) => {
    try {
      const upload = await readUpload(req, res, { payloads: held, maxUploadBytes: config.server.maxUploadBytes });
      try {
        const answer = await upstream.send(lane, { keyId: 'baseline', source: upload.source, fields: upload.fields });
        if (answer.kind !== 'ok') throw new GatewayError('upstreamFailed', { message: answer.message });
        renderSuccess(res, requestFormat(req, res), answer.image);
      } finally {
        await upload.release();
      }
    } catch (error) {
      next(error);
    }
  });
  app.use(errorMiddleware(createLogger('warn')));

  const server = app.listen(config.server.port, '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo;
    process.stdout.write(`${JSON.stringify({ event: 'listening', url: `http://127.0.0.1:${port}` })}\n`);
  });
  process.once('SIGTERM', () => {
    server.close();
    server.closeAllConnections();
    void Promise.all([upstream.close(), held.close(), onClose()]).then(() => process.exit(0));
  });
}

/** The key a baseline limits by: the gateway's own header forms (Client-ID or X-API-Key). */
export function keyOf(req: express.Request): string {
  return req.get('x-api-key') ?? req.get('authorization')?.replace(/^Client-ID\s+/i, '') ?? 'anonymous';
}
