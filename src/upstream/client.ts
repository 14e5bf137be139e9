import { Agent, request } from 'undici';
import { systemClock, type Clock } from '../clock.js';
import type { Metrics } from '../ops/metrics.js';
import type { SharedTotals } from '../ops/shared-totals.js';
import type { PayloadStore } from '../store/payload-store.js';
import type { UploadRequest } from '../uploads/types.js';
import { classifyAnswer } from './classify-answer.js';
import { multipartBody, type MultipartFile } from './multipart-body.js';
import { ResetSemantics } from './rate-limit-headers.js';
import type { Lane, UpstreamAnswer, UpstreamClient } from './types.js';

export interface UpstreamClientOptions {
  /** Upstream base URL, e.g. https://api.imgur.com; uploads go to `<url>/3/image`. */
  url: string;
  /** Connect, headers and body timeout of one attempt, each. */
  timeoutMs: number;
  /** Where the upload bytes are streamed from. */
  payloads: PayloadStore;
  /** Counts upgate_upstream_responses_total{lane,status}. Default: not counted. */
  metrics?: Metrics;
  /** Counts upstream answers by status where every instance sees them (/admin/overview). Default: not counted. */
  totals?: SharedTotals;
  /** Time source for reset headers given in seconds. Default the system clock. */
  clock?: Clock;
}

const timeoutCodes = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT', 'ETIMEDOUT']);
const connectionCodes = new Set(['UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * Sends uploads upstream, one attempt per `send`: never retries (the queue owns retries, and a POST
 * retried here could upload twice), never throws for what the upstream or the network did. Each lane
 * has its own undici Agent, so its connections leave from its own address.
 */
export function createUpstreamClient(options: UpstreamClientOptions): UpstreamClient {
  const endpoint = `${options.url.replace(/\/+$/, '')}/3/image`;
  const clock = options.clock ?? systemClock;
  const agents = new Map<string, Agent>();
  // What each lane's reset headers mean (countdown or window length), learned from its answers.
  const semantics = new ResetSemantics();

  function agentFor(lane: Lane): Agent {
    const key = `${lane.id}\n${lane.localAddress ?? ''}`;
    let agent = agents.get(key);
    if (!agent) {
      agent = new Agent({
        // undici 7 takes the source address at the top level; inside `connect` it is ignored.
        ...(lane.localAddress && { localAddress: lane.localAddress }),
        connect: { timeout: options.timeoutMs },
        headersTimeout: options.timeoutMs,
        bodyTimeout: options.timeoutMs,
      });
      agents.set(key, agent);
    }
    return agent;
  }

  function count(lane: Lane, status: number, startedAt: number): void {
    options.metrics?.upstreamResponses.inc({ lane: lane.id, status: String(status) });
    options.totals?.add('upstream', String(status));
    options.metrics?.upstreamLatency.observe({ lane: lane.id }, (performance.now() - startedAt) / 1000);
  }

  return {
    async send(lane: Lane, upload: UploadRequest, payloads = options.payloads): Promise<UpstreamAnswer> {
      const { contentType, length, body } = uploadBody(upload, payloads);
      const startedAt = performance.now();
      try {
        const response = await request(endpoint, {
          method: 'POST',
          dispatcher: agentFor(lane),
          headers: {
            authorization: upload.bearer ? `Bearer ${upload.bearer}` : `Client-ID ${lane.clientId}`,
            accept: 'application/json',
            'content-type': contentType,
            'content-length': String(length),
            // The accepting request's id, so the upstream's logs can be matched with ours.
            ...(upload.requestId && { 'x-request-id': upload.requestId }),
          },
          body,
        });
        const text = await response.body.text();
        count(lane, response.statusCode, startedAt);
        return classifyAnswer(response.statusCode, response.headers, text, clock(), semantics, lane.id);
      } catch (error) {
        const failure = networkFailure(error);
        // Anything else (a payload missing from the store…) is the gateway's own fault, not the upstream's.
        if (!failure) throw error;
        count(lane, 0, startedAt);
        return { kind: 'retryable', ...failure, limits: {} };
      }
    },

    async close(): Promise<void> {
      const closing = [...agents.values()].map((agent) => agent.close());
      agents.clear();
      await Promise.all(closing);
    },
  };
}

/** The multipart body Imgur's v3 expects: the bytes as an `image` file part, or the URL as `image` with type=url. */
function uploadBody(upload: UploadRequest, payloads: PayloadStore) {
  const fields: Array<[string, string]> = [];
  for (const name of ['name', 'title', 'description'] as const) {
    const value = upload.fields[name];
    if (value !== undefined) fields.push([name, value]);
  }
  const { source } = upload;
  if (source.kind === 'url') return multipartBody([['image', source.url], ['type', 'url'], ...fields]);
  const file: MultipartFile = {
    name: 'image',
    filename: upload.fields.name ?? 'image',
    contentType: source.mime,
    size: source.size,
    open: () => payloads.open(source.ref, upload.payloadAt),
    chunks: payloads.inMemory?.(source.ref),
  };
  return multipartBody([['type', 'file'], ...fields], file);
}

/** Maps undici's and the socket's errors where they arise: timeouts become 504s, resets and refusals 502s. */
function networkFailure(error: unknown): { message: string; timeout: boolean } | undefined {
  for (let current: unknown = error; current instanceof Error; current = current.cause) {
    const inner = current instanceof AggregateError && current.errors[0] instanceof Error ? current.errors[0] : current;
    const code = (inner as NodeJS.ErrnoException).code ?? (current as NodeJS.ErrnoException).code;
    if (code && timeoutCodes.has(code)) return { message: `Upstream timed out (${inner.message})`, timeout: true };
    if (code && connectionCodes.has(code)) return { message: `Upstream connection failed (${inner.message})`, timeout: false };
  }
  return undefined;
}
