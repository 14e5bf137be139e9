import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Where keys past `metrics.keyLabels` are counted. */
export const otherKeysLabel = '_other';

/**
 * Every Prometheus metric of one gateway, in its own registry (several gateways can live in one
 * process, as in tests). Labels stay low-cardinality: lane ids, at most `keyLabels` key ids (the
 * rest under `_other`), never raw IPs.
 */
export function createMetrics(options: { keyLabels?: number; heldBytes?: () => number } = {}) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'upgate_process_' });
  // prom-client names three of its gauges `…_total`, which Prometheus reserves for counters
  // (`promtool check metrics` flags them); their unsuffixed twins carry the same values.
  for (const kind of ['handles', 'requests', 'resources']) registry.removeSingleMetric(`upgate_process_nodejs_active_${kind}_total`);
  const registers = [registry];
  const keyLabel = boundedKeyLabel(options.keyLabels ?? 1_000);
  return {
    registry,
    uploads: keyLabelled(
      new Counter({
        name: 'upgate_uploads_total',
        help: 'Upload requests by key, outcome (done, queued, rejected, failed) and error code (0 = none).',
        labelNames: ['key', 'outcome', 'code'] as const,
        registers,
      }),
      keyLabel,
    ),
    jobsFinished: keyLabelled(
      new Counter({
        name: 'upgate_jobs_finished_total',
        help: 'Upload jobs that ended, by key, outcome (done, failed) and error code (0 = none): queued uploads are counted here when they finish.',
        labelNames: ['key', 'outcome', 'code'] as const,
        registers,
      }),
      keyLabel,
    ),
    quotaRejections: new Counter({
      name: 'upgate_quota_rejections_total',
      help: 'Uploads refused for quota, by the exhausted limit (e.g. key-1h, ip-1d).',
      labelNames: ['limit'] as const,
      registers,
    }),
    laneBudgetRemaining: new Gauge({
      name: 'upgate_lane_budget_remaining',
      help: 'Uploads each lane may still send upstream in its current windows.',
      labelNames: ['lane'] as const,
      registers,
    }),
    lanePaused: new Gauge({
      name: 'upgate_lane_paused',
      help: '1 while a lane is paused by an upstream 429, else 0.',
      labelNames: ['lane'] as const,
      registers,
    }),
    laneCreditsRemaining: new Gauge({
      name: 'upgate_lane_credits_remaining',
      help: 'Credits left to each lane\'s credential in its current window, the reserve included.',
      labelNames: ['lane'] as const,
      registers,
    }),
    laneCreditsReserve: new Gauge({
      name: 'upgate_lane_credits_reserve',
      help: 'Credits of each lane\'s credential that are never spent.',
      labelNames: ['lane'] as const,
      registers,
    }),
    laneUpstreamCreditsRemaining: new Gauge({
      name: 'upgate_lane_upstream_credits_remaining',
      help: 'Credits left to each lane\'s credential as the upstream last reported them (X-RateLimit-ClientRemaining).',
      labelNames: ['lane'] as const,
      registers,
    }),
    lanePauses: new Counter({
      name: 'upgate_lane_pauses_total',
      help: 'Pauses after an upstream 429, by lane and the subject paused (address or client).',
      labelNames: ['lane', 'subject'] as const,
      registers,
    }),
    upstream429WithRoom: new Counter({
      name: 'upgate_upstream_429_with_room_total',
      help: 'Upstream 429s whose rate-limit headers still showed room, by lane.',
      labelNames: ['lane'] as const,
      registers,
    }),
    upstreamResponses: new Counter({
      name: 'upgate_upstream_responses_total',
      help: 'Upstream answers by lane and HTTP status (0 = no answer: timeout or reset).',
      labelNames: ['lane', 'status'] as const,
      registers,
    }),
    queueDepth: new Gauge({ name: 'upgate_queue_depth', help: 'Jobs waiting to go upstream.', registers }),
    queueBytes: new Gauge({ name: 'upgate_queue_bytes', help: 'Payload bytes of the jobs waiting.', registers }),
    queueOldestAge: new Gauge({ name: 'upgate_queue_oldest_age_seconds', help: 'Age of the oldest waiting job.', registers }),
    heldBytes: new Gauge({
      name: 'upgate_held_bytes',
      help: 'Bytes of uploads this process holds while it forwards them straight (in memory or in temporary files).',
      registers,
      collect() {
        if (options.heldBytes) this.set(options.heldBytes());
      },
    }),
    dispatchLatency: new Histogram({
      name: 'upgate_dispatch_latency_seconds',
      help: 'Time from accepting an upload to its upstream answer.',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600],
      registers,
    }),
    callbacks: new Counter({
      name: 'upgate_callbacks_total',
      help: 'Job result callbacks by outcome (delivered, rejected by the receiver, refused target, failed after retries).',
      labelNames: ['outcome'] as const,
      registers,
    }),
    uploadPaths: new Counter({
      name: 'upgate_upload_paths_total',
      help: 'Accepted uploads by the path they took: direct (forwarded straight from the request) or queued.',
      labelNames: ['path'] as const,
      registers,
    }),
    storeErrors: new Counter({
      name: 'upgate_store_errors_total',
      help: 'Store (Redis) operations that failed, by operation.',
      labelNames: ['operation'] as const,
      registers,
    }),
    upstreamLatency: new Histogram({
      name: 'upgate_upstream_request_duration_seconds',
      help: 'Time of one upstream upload request, from sending to the whole answer (or the failure), by lane.',
      labelNames: ['lane'] as const,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/** The `key` label of a key: its id for the first `most` keys seen, `_other` for any later one. */
function boundedKeyLabel(most: number): (keyId: string) => string {
  const labelled = new Set<string>();
  return (keyId) => {
    if (labelled.has(keyId)) return keyId;
    if (labelled.size >= most) return otherKeysLabel;
    labelled.add(keyId);
    return keyId;
  };
}

/** The counter, its `key` label bounded (callers, and the usage history that taps `inc`, still pass the real key). */
function keyLabelled<T extends Counter<'key' | 'outcome' | 'code'>>(counter: T, keyLabel: (keyId: string) => string): T {
  const inc = counter.inc.bind(counter) as (labels: Partial<Record<'key' | 'outcome' | 'code', string | number>>, value?: number) => void;
  (counter as unknown as { inc: typeof inc }).inc = (labels, value) => inc({ ...labels, key: keyLabel(String(labels.key)) }, value);
  return counter;
}
