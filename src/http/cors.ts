import type { IncomingMessage } from 'node:http';
import cors from 'cors';
import type { Config } from '../config/schema.js';
import { GatewayError } from '../errors/catalogue.js';
import type { ApiKeyRecord, KeyRegistry } from '../keys/types.js';
import type { Handler } from './handler.js';
import { quotaHeaderNames } from './openapi-schemas.js';
import { uploadPaths } from './response-format.js';

/** The routes browsers may call from another origin: uploads, credits and job status. */
export const corsPaths = [...uploadPaths, '/3/credits', '/3/credits.json', '/3/jobs/:id'];

/** Answer headers a page may read: the quota headers, when to retry, where to poll, the request id. */
export const exposedHeaders = [...quotaHeaderNames, 'Retry-After', 'Location', 'X-Request-Id'];

/** Request headers a page may send: the key headers, the upload's type, and the gateway's own options. */
const allowedHeaders = ['Authorization', 'X-API-Key', 'Content-Type', 'Idempotency-Key', 'Prefer', 'X-Request-Id'];

/** How long the set of allowed origins is trusted before the key store is asked again (as the key cache). */
const knownOriginsMs = 5_000;

export interface CorsDeps {
  config: Config;
  registry: KeyRegistry;
}

/**
 * CORS for the client routes, by the `cors` package (it handles preflights, Vary and the header
 * lists). A preflight carries no key, so it is answered for every origin that `cors.origins` or any
 * key allows; the actual request is then held to its own key's origins by `checkKeyOrigin`.
 */
export function corsMiddleware({ config, registry }: CorsDeps): Handler {
  let known: { origins: Set<string>; until: number } | undefined;
  async function knownOrigins(): Promise<Set<string>> {
    if (known && known.until > Date.now()) return known.origins;
    const keys = await registry.list();
    const origins = new Set([...config.cors.origins, ...keys.filter((key) => !key.revoked).flatMap((key) => key.corsOrigins ?? [])]);
    known = { origins, until: Date.now() + knownOriginsMs };
    return origins;
  }
  const handle = cors({
    origin: (origin, callback) => {
      if (!origin) return callback(null, false);
      knownOrigins().then(
        (origins) => callback(null, origins.has('*') || origins.has(origin)),
        (error: unknown) => callback(new GatewayError('storeUnavailable', { retryAfterSeconds: 1, cause: error })),
      );
    },
    methods: ['GET', 'POST'],
    allowedHeaders,
    exposedHeaders,
    maxAge: Math.round(config.cors.maxAge / 1000),
  });
  // Only browsers send Origin, and only they read CORS headers: other clients (most uploads) skip the package.
  return (req, res, next) => {
    if (req.headers.origin !== undefined) return handle(req, res, next);
    // Set, not res.vary(): nothing before this middleware sets Vary, and vary's parsing costs ~5% of a refusal.
    res.setHeader('Vary', 'Origin');
    next();
  };
}

/**
 * A request from a browser page (it carries Origin) is refused, before anything is charged, when its
 * key's origins (`corsOrigins`, else `cors.origins`) do not include that origin. With no origins
 * configured at all nothing is refused: CORS is off, and the browser itself keeps pages from reading.
 */
export function checkKeyOrigin(req: IncomingMessage, key: ApiKeyRecord, config: Config): void {
  const origin = req.headers.origin;
  if (!origin) return;
  const allowed = key.corsOrigins ?? config.cors.origins;
  if (allowed.length === 0 || allowed.includes('*') || allowed.includes(origin)) return;
  throw new GatewayError('originNotAllowed');
}
