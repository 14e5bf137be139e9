import type { IncomingMessage } from 'node:http';
import { GatewayError } from '../errors/catalogue.js';
import type { BadKeyGuard } from '../keys/bad-key-guard.js';
import type { ApiKeyRecord, KeyRegistry } from '../keys/types.js';
import { clientIp as socketClientIp } from './client-ip.js';

export interface AuthenticateDeps {
  registry: KeyRegistry;
  badKeys: BadKeyGuard;
  /** The `key` field of a form or JSON body, once the body is parsed. */
  bodyKey?: string;
  /** The client IP as quotas see it (clientIp with server.trustProxy); default: the socket peer. */
  clientIp?: string;
}

type KeyedRequest = Pick<IncomingMessage, 'headers' | 'socket'> & { query?: unknown };

/**
 * Finds the gateway key of a request: `Authorization: Client-ID <key>`, else `X-API-Key`, else a
 * `key` body field or query parameter. `Authorization: Bearer <token>` is an upstream user token:
 * it is handed back untouched as `bearer` for the upstream request (and never logged here).
 * An IP blocked for sending bad keys is refused before any lookup.
 */
export async function authenticate(req: KeyedRequest, deps: AuthenticateDeps): Promise<{ key: ApiKeyRecord; bearer?: string }> {
  const ip = deps.clientIp ?? socketClientIp(req, []);
  deps.badKeys.assertAllowed(ip);
  const { headerKey, bearer } = readAuthorization(req);
  const secret = headerKey ?? nonEmpty(deps.bodyKey) ?? queryKey(req);
  if (secret === undefined) throw new GatewayError('noKey');
  const key = await deps.registry.authenticate(secret);
  if (!key) {
    await deps.badKeys.recordFailure(ip);
    throw new GatewayError('badKey');
  }
  return bearer === undefined ? { key } : { key, bearer };
}

/**
 * Whether the key can be read without the body (header or query). Such requests are checked and
 * charged before their body is read, so a refused upload costs no bandwidth.
 */
export function hasKeyOutsideBody(req: KeyedRequest): boolean {
  return readAuthorization(req).headerKey !== undefined || queryKey(req) !== undefined;
}

/** The key sent in a header (`Authorization: Client-ID`, else `X-API-Key`) and an upstream Bearer token. */
function readAuthorization(req: KeyedRequest): { headerKey?: string; bearer?: string } {
  const authorization = /^\s*(client-id|bearer)\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  const isBearer = authorization?.[1]!.toLowerCase() === 'bearer';
  const headerKey = (authorization && !isBearer ? authorization[2] : undefined) ?? nonEmpty(req.headers['x-api-key']);
  const bearer = isBearer ? authorization![2] : undefined;
  return { ...(headerKey !== undefined && { headerKey }), ...(bearer !== undefined && { bearer }) };
}

function queryKey(req: KeyedRequest): string | undefined {
  return nonEmpty((req.query as Record<string, unknown> | undefined)?.key);
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}
