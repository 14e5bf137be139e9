import type { Config } from '../../config/schema.js';
import { GatewayError } from '../../errors/catalogue.js';
import { pathOf, type Handler } from '../handler.js';
import { formatForPath } from '../response-format.js';
import { renderError } from '../render/index.js';

/** Retry-After of the refusal: a config change and a restart are needed, so not soon. */
const noUpstreamRetrySeconds = 300;

/** Why uploads cannot be accepted with this config, or undefined when they can. */
export function noUpstreamReason(config: Config): string | undefined {
  return config.upstream.lanes.length === 0 ? 'no upstream configured: set upstream.lanes or UPSTREAM_CLIENT_ID' : undefined;
}

/**
 * Refuses uploads with 503/1020 and Retry-After before anything is read, charged or stored when the
 * gateway has no lane: a 202 "queued" would promise a delivery that cannot happen.
 */
export function requireUpstream(config: Config): Handler {
  const refused = noUpstreamReason(config) !== undefined;
  return (req, res, next) => {
    if (!refused) return next();
    // The body is not wanted: read and dropped, so the answer reaches the client on a usable connection.
    req.resume();
    renderError(res, formatForPath(pathOf(req)), new GatewayError('noUpstream', { retryAfterSeconds: noUpstreamRetrySeconds }));
  };
}
