/**
 * The bench's baseline: a bare Express app that does what the gateway does for an upload minus the
 * gateway's own steps (key lookup, quota admission, queue). It parses uploads with the gateway's own
 * `readUpload` into the same payload store, forwards them with the same upstream client, and renders
 * with the same renderer, so a ratio against it measures exactly what the quota and queue cost.
 *
 * `X-Bench-Reject: 1` asks for the rejection path instead: a 429 rendered at once without reading the
 * body, which is what a gateway's quota rejection costs minus the quota lookup.
 *
 * Run: UPGATE_CONFIG=<yaml> node --import tsx bench/baseline/bare-express.ts → prints {"event":"listening","url":…}
 */
import express from 'express';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../../src/config/load.js';
import { GatewayError } from '../../src/errors/catalogue.js';
import { errorMiddleware } from '../../src/http/error-middleware.js';
import { readUpload } from '../../src/http/parse/read-upload.js';
import { renderError, renderSuccess } from '../../src/http/render/index.js';
import { requestFormat } from '../../src/http/response-format.js';
import { createLogger } from '../../src/ops/logger.js';
import { openBackend } from '../../src/store/backend.js';
import { createUpstreamClient } from '../../src/upstream/client.js';

const config = loadConfig();
const backend = await openBackend(config);
const lane = config.upstream.lanes[0];
if (!lane) throw new Error('the baseline needs one upstream lane in its config');
const upstream = createUpstreamClient({ url: config.upstream.url, timeoutMs: config.upstream.timeout, payloads: backend.payloads });

const app = express();
app.post('/3/image', async (req, res, next) => {
  try {
    if (req.get('x-bench-reject')) {
      req.resume();
      return renderError(res, requestFormat(req, res), new GatewayError('quotaExhausted', { retryAfterSeconds: 60 }));
    }
    const upload = await readUpload(req, { payloads: backend.payloads, maxUploadBytes: config.server.maxUploadBytes });
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
  void Promise.all([upstream.close(), backend.close()]).then(() => process.exit(0));
});
