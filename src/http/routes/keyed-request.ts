import type { Clock } from '../../clock.js';
import type { Config } from '../../config/schema.js';
import type { BadKeyGuard } from '../../keys/bad-key-guard.js';
import type { ApiKeyRecord, KeyRegistry } from '../../keys/types.js';
import { setQuotaHeaders } from '../../quota/headers.js';
import type { Admission, QuotaWindowState } from '../../quota/types.js';
import { authenticate } from '../authenticate.js';
import { clientIp } from '../client-ip.js';
import { checkKeyOrigin } from '../cors.js';
import type { GatewayRequest, GatewayResponse } from '../handler.js';

/** What every route that answers to a gateway key needs. */
export interface KeyedRouteDeps {
  config: Config;
  registry: KeyRegistry;
  badKeys: BadKeyGuard;
  admission: Admission;
  clock: Clock;
}

export interface Caller {
  key: ApiKeyRecord;
  bearer?: string;
  /** The client IP as quotas count it. */
  ip: string;
}

/** Authenticates the request's key (from headers, query, or `bodyKey`) and notes it for the request log. */
export async function identifyCaller(req: GatewayRequest, res: GatewayResponse, deps: KeyedRouteDeps, bodyKey?: string): Promise<Caller> {
  const ip = clientIp(req, deps.config.server.trustProxy);
  const { key, bearer } = await authenticate(req, { registry: deps.registry, badKeys: deps.badKeys, clientIp: ip, ...(bodyKey !== undefined && { bodyKey }) });
  res.locals.keyId = key.id;
  checkKeyOrigin(req, key, deps.config);
  return bearer === undefined ? { key, ip } : { key, bearer, ip };
}

/** Sets the quota headers every keyed answer carries. */
export function showQuota(res: GatewayResponse, deps: KeyedRouteDeps, windows: readonly QuotaWindowState[]): void {
  setQuotaHeaders(res, windows, deps.clock());
}
