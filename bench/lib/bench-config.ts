import type { ConfigInput } from '../../src/config/schema.js';

/** Quotas and lane budgets that never bind within a bench run. */
export const generous = [{ limit: 1_000_000_000, window: '1d' }];

/** Credits that never bind within a bench run (the default is Imgur's 12,500 a day, ~1,225 uploads). */
export const generousCredits = { limit: 1_000_000_000, window: '1d' };

/** A key with room for every request of a run. */
export const openKey = { id: 'bench-open', key: 'k_bench_open_secret' };
/** A key whose quota is 0: every upload with it is refused (429/1008) before its body is read. */
export const exhaustedKey = { id: 'bench-exhausted', key: 'k_bench_exhausted_secret', quotas: { perKey: [{ limit: 0, window: '1h' }] } };

export const clientIdHeader = (key: { key: string }) => ({ authorization: `Client-ID ${key.key}` });

export interface BenchConfigOptions {
  redisUrl: string;
  /** Redis key prefix of this scenario, so scenarios never see each other's state. */
  prefix: string;
  upstreamUrl: string;
  lanes?: NonNullable<ConfigInput['upstream']>['lanes'];
  keys?: ConfigInput['keys'];
}

/**
 * The config every gateway (and the bare Express baseline) of the bench runs with: Redis-backed, one
 * unlimited lane, generous per-IP quotas (all load comes from 127.0.0.1), dedupe off so replaying the
 * same bytes really goes upstream each time, and a 20MB cap for the 10MB images.
 */
export function benchConfig(options: BenchConfigOptions): ConfigInput {
  return {
    server: { maxUploadBytes: '20MB' },
    store: { redisUrl: options.redisUrl, prefix: options.prefix },
    quotas: { policy: 'all', perKey: generous, perIp: generous },
    keys: options.keys ?? [openKey, exhaustedKey],
    upstream: { url: options.upstreamUrl, lanes: options.lanes ?? [{ id: 'bench', clientId: 'bench-client', limits: generous, credits: generousCredits }] },
    queue: { dedupe: false, maxBytes: '4GB' },
  };
}
