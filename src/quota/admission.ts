import { join } from 'node:path';
import type { Config } from '../config/schema.js';
import type { Clock } from '../clock.js';
import { GatewayError } from '../errors/catalogue.js';
import { classifyRedisError } from '../redis/errors.js';
import type { ApiKeyRecord } from '../keys/types.js';
import type { Logger } from '../ops/logger.js';
import type { Metrics } from '../ops/metrics.js';
import type { StoreBackend } from '../store/backend.js';
import type { CounterStore } from './counter-store.js';
import { InsuranceCounterStore } from './insurance-counter-store.js';
import { MemoryCounterStore } from './memory-counter-store.js';
import { ipWindows, planFor, retryAfterSeconds, toStates } from './plan.js';
import { RedisCounterStore } from './redis-counter-store.js';
import type { Admission, AdmissionDecision, QuotaWindowState } from './types.js';

/** Retry-After of a 503 while the store is down: ioredis retries the connection every second or so. */
const storeDownRetrySeconds = 2;

export interface AdmissionOptions {
  clock: Clock;
  metrics: Metrics;
  logger: Logger;
}

/** Quota admission over the backend's store: Redis (shared, one script call per decision) or the embedded one. */
export function createAdmission(config: Config, backend: StoreBackend, options: AdmissionOptions): Admission {
  // The embedded store keeps its counts in the spool, like keys and jobs, so a restart keeps them.
  if (backend.kind === 'memory') return new QuotaAdmission(config, new MemoryCounterStore(join(backend.spoolDir, 'quota.json')), options);
  // The ranking is read only for IPs with a window still running: it need not outlive the longest.
  const ipWindowsMs = config.quotas.perIp.map((limit) => limit.window);
  const rankingTtlMs = ipWindowsMs.length > 0 ? Math.max(...ipWindowsMs) : 86_400_000;
  const insurance = config.store.onFailure === 'insurance' ? new InsuranceCounterStore() : undefined;
  return new QuotaAdmission(config, new RedisCounterStore(backend.redis, backend.keys, rankingTtlMs), options, { insurance });
}

class QuotaAdmission implements Admission {
  private storeDown = false;

  constructor(
    private readonly config: Config,
    private readonly store: CounterStore,
    private readonly options: AdmissionOptions,
    /** Set for a store that can fail (Redis): `insurance` takes over while it does, else requests fail closed. */
    private readonly failover?: { insurance?: CounterStore },
  ) {}

  async admit(key: ApiKeyRecord, clientIp: string): Promise<AdmissionDecision> {
    const now = this.options.clock();
    const { policy, windows: plan } = planFor(this.config, key, clientIp);
    const { admitted, counts } = await this.withStore('admit', (store) => store.decide(policy, plan, clientIp, now));
    const windows = toStates(plan, counts);
    if (admitted) return { admitted, policy, windows };
    for (const window of windows) if (window.remaining === 0) this.options.metrics.quotaRejections.inc({ limit: window.name });
    return { admitted, policy, windows, retryAfterSeconds: retryAfterSeconds(policy, windows, now) };
  }

  async refund(key: ApiKeyRecord, clientIp: string): Promise<void> {
    const { windows } = planFor(this.config, key, clientIp);
    await this.withStore('refund', (store) => store.refund(windows, clientIp, this.options.clock()));
  }

  async usage(key: ApiKeyRecord, clientIp?: string): Promise<QuotaWindowState[]> {
    const { windows } = planFor(this.config, key, clientIp);
    return toStates(windows, await this.withStore('usage', (store) => store.read(windows, this.options.clock())));
  }

  async resetKey(key: ApiKeyRecord): Promise<void> {
    const { windows } = planFor(this.config, key);
    await this.withStore('reset', (store) => store.clear(windows));
  }

  async topIps(limit: number): Promise<Array<{ ip: string; windows: QuotaWindowState[] }>> {
    return this.withStore('topIps', async (store) => {
      const ips = await store.busiestIps(limit);
      const plans = ips.map((ip) => ipWindows(this.config, ip));
      const counts = await store.read(plans.flat(), this.options.clock());
      let offset = 0;
      const views = plans.map((windows, i) => {
        const states = toStates(windows, counts.slice(offset, (offset += windows.length)));
        return { ip: ips[i]!, windows: states };
      });
      // The ranking outlives the windows; an IP whose windows have all ended is no longer busy.
      return views.filter((view) => view.windows.some((window) => window.used > 0));
    });
  }

  async close(): Promise<void> {
    await this.store.close?.();
  }

  /**
   * Runs one store operation. A failing Redis is counted and logged once per outage; then the
   * insurance limiter answers, or the request fails closed with 503/1020 at once (no waiting:
   * the client has no offline queue and short command timeouts, and reconnects by itself).
   * A Redis that answers with the error of a wrong deployment (MOVED, CROSSSLOT, NOAUTH, …) is not
   * an outage: it is logged with what is wrong, and insurance does not hide it.
   */
  private async withStore<T>(operation: string, run: (store: CounterStore) => Promise<T>): Promise<T> {
    if (!this.failover) return run(this.store);
    try {
      const result = await run(this.store);
      if (this.storeDown) {
        this.storeDown = false;
        this.options.logger.info('quota store reachable again');
      }
      return result;
    } catch (error) {
      this.options.metrics.storeErrors.inc({ operation });
      const failure = classifyRedisError(error);
      if (failure.kind === 'setup') {
        this.options.logger.error({ err: error, operation }, `quota store misconfigured: ${failure.reason}`);
        throw new GatewayError('storeMisconfigured', { retryAfterSeconds: storeDownRetrySeconds, cause: error });
      }
      if (!this.storeDown) {
        this.storeDown = true;
        this.options.logger.error({ err: error, insurance: Boolean(this.failover.insurance) }, 'quota store unreachable');
      }
      if (this.failover.insurance) return run(this.failover.insurance);
      throw new GatewayError('storeUnavailable', { retryAfterSeconds: storeDownRetrySeconds, cause: error });
    }
  }
}
