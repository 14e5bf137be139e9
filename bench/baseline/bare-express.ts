/**
 * The bench's baseline: a bare Express app that parses and forwards uploads exactly as the gateway's
 * cut-through does (see proxy-app.ts), with no key lookup, quota, claim or lane budget.
 *
 * `X-Bench-Reject: 1` asks for the rejection path instead: a 429 rendered at once without reading the
 * body, which is what a gateway's quota rejection costs minus the quota lookup.
 *
 * Run: UPGATE_CONFIG=<yaml> node --import tsx bench/baseline/bare-express.ts → prints {"event":"listening","url":…}
 */
import { GatewayError } from '../../src/errors/catalogue.js';
import { renderError } from '../../src/http/render/index.js';
import { requestFormat } from '../../src/http/response-format.js';
import { serveProxy } from './proxy-app.js';

await serveProxy(() => [
  (req, res, next) => {
    if (!req.get('x-bench-reject')) return next();
    req.resume();
    renderError(res, requestFormat(req, res), new GatewayError('quotaExhausted', { retryAfterSeconds: 60 }));
  },
]);
