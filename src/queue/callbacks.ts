import { createHmac, randomUUID } from 'node:crypto';
import { Agent, request } from 'undici';
import { GatewayError, isGatewayError } from '../errors/catalogue.js';
import type { Logger } from '../ops/logger.js';
import type { Metrics } from '../ops/metrics.js';
import { createCallbackTargetPolicy } from './callback-target.js';

export interface CallbackSenderOptions {
  /** Host names, addresses or CIDRs that may be targets although private/loopback (queue.callbacks.allow). */
  allow: readonly string[];
  /** Deliveries tried per callback, the first included (queue.callbacks.attempts). */
  attempts: number;
  /**
   * HMAC-SHA256 key for `X-Upgate-Signature` (queue.callbacks.secret); the operator shares it with
   * the callback receivers. With none configured, callbacks are sent unsigned rather than signed with
   * a key no receiver could know: a signature nobody can check would only look like protection.
   */
  secret: string | null;
  /** First retry delay; each further one doubles, with jitter. Default 1000. */
  backoffMs?: number;
  /** Connect, headers and body timeout of one delivery attempt. Default 10000. */
  fetchTimeoutMs?: number;
  logger: Logger;
  metrics?: Metrics;
}

export interface CallbackSender {
  /** Throws GatewayError('invalidUrl') unless `url` is an http(s) URL whose host resolves only to permitted addresses. */
  validate(url: string): Promise<void>;
  /** POSTs `body` as JSON to `url` in the background, retrying failures; never throws. */
  send(url: string, body: unknown, keyId: string): void;
  /** Cancels pending retries and in-flight deliveries. */
  close(): Promise<void>;
}

/** Longest wait between attempts, whatever the backoff or a receiver's Retry-After asks. */
const maxDelayMs = 10 * 60_000;

export function createCallbackSender(options: CallbackSenderOptions): CallbackSender {
  const { attempts, secret, logger, metrics } = options;
  const backoffMs = options.backoffMs ?? 1000;
  const timeoutMs = options.fetchTimeoutMs ?? 10_000;
  const policy = createCallbackTargetPolicy(options.allow);
  // Every connection resolves its host through the policy and connects to the address it checked,
  // so a DNS answer that changes after validation (rebinding) cannot reach a refused address.
  const agent = new Agent({ connect: { lookup: policy.lookup, timeout: timeoutMs }, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  const pending = new Set<{ timer?: NodeJS.Timeout; abort: AbortController }>();
  let closed = false;
  let warnedUnsigned = false;

  /** The parsed URL if its scheme is http(s) and its host passes the policy; GatewayError otherwise. */
  async function checkTarget(url: string): Promise<URL> {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      throw new GatewayError('invalidUrl', { message: 'Callback URL is not a valid URL' });
    }
    if (target.protocol !== 'http:' && target.protocol !== 'https:') {
      throw new GatewayError('invalidUrl', { message: `Callback URL must use http or https, not ${target.protocol.slice(0, -1)}` });
    }
    await policy.resolve(target.hostname);
    return target;
  }

  async function validate(url: string): Promise<void> {
    try {
      await checkTarget(url);
    } catch (error) {
      if (isGatewayError(error)) throw error;
      throw new GatewayError('invalidUrl', { message: 'Callback URL host does not resolve', cause: error });
    }
  }

  /** One delivery attempt: 'done', 'retry' (with an optional delay asked by the receiver) or 'stop'. */
  async function attempt(url: string, payload: string, headers: Record<string, string>, signal: AbortSignal) {
    // Re-checked on every attempt: literal addresses never reach the agent's lookup.
    await checkTarget(url);
    const response = await request(url, {
      method: 'POST',
      body: payload,
      headers: { ...headers, 'x-upgate-timestamp': String(Math.floor(Date.now() / 1000)) },
      dispatcher: agent,
      signal,
    });
    await response.body.dump();
    const { statusCode } = response;
    if (statusCode >= 200 && statusCode < 300) return { outcome: 'done', statusCode } as const;
    // Redirects are not followed: the new target was never validated.
    if (statusCode !== 429 && statusCode < 500) return { outcome: 'stop', statusCode } as const;
    const retryAfter = Number(response.headers['retry-after']);
    return { outcome: 'retry', statusCode, retryAfterMs: Number.isFinite(retryAfter) ? retryAfter * 1000 : 0 } as const;
  }

  function send(url: string, body: unknown, keyId: string): void {
    if (closed) return;
    const payload = JSON.stringify(body);
    const delivery = randomUUID();
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'upgate-callbacks',
      'x-upgate-delivery': delivery,
      'x-upgate-key': keyId,
    };
    if (secret !== null) headers['x-upgate-signature'] = `sha256=${createHmac('sha256', secret).update(payload).digest('hex')}`;
    else if (!warnedUnsigned) {
      warnedUnsigned = true;
      logger.warn('queue.callbacks.secret is not set: job callbacks are sent unsigned');
    }
    // Log the origin only: paths and queries of callback URLs often carry the receiver's own tokens.
    const target = URL.canParse(url) ? new URL(url).origin : 'invalid';
    const log = logger.child({ callback: delivery, keyId, target });
    const entry: { timer?: NodeJS.Timeout; abort: AbortController } = { abort: new AbortController() };
    pending.add(entry);

    const finish = (outcome: 'delivered' | 'rejected' | 'refused' | 'failed') => {
      pending.delete(entry);
      metrics?.callbacks.inc({ outcome });
    };

    const run = async (number: number): Promise<void> => {
      let retryAfterMs = 0;
      try {
        const result = await attempt(url, payload, headers, entry.abort.signal);
        if (result.outcome === 'done') {
          log.info({ attempt: number, status: result.statusCode }, 'callback delivered');
          return finish('delivered');
        }
        if (result.outcome === 'stop') {
          log.warn({ attempt: number, status: result.statusCode }, 'callback rejected by receiver, not retried');
          return finish('rejected');
        }
        retryAfterMs = result.retryAfterMs;
        log.warn({ attempt: number, status: result.statusCode }, 'callback attempt failed');
      } catch (error) {
        if (closed) return;
        if (isGatewayError(error)) {
          log.warn({ attempt: number, reason: error.message }, 'callback target refused, not sent');
          return finish('refused');
        }
        log.warn({ attempt: number, err: error }, 'callback attempt failed');
      }
      if (closed) return;
      if (number >= attempts) {
        log.error({ attempts: number }, 'callback failed, giving up');
        return finish('failed');
      }
      // Exponential backoff with jitter (half fixed, half random), so receivers coming back up
      // are not hit by every gateway's retries at the same instant.
      const backoff = Math.min(maxDelayMs, backoffMs * 2 ** (number - 1));
      const delay = Math.min(maxDelayMs, Math.max(retryAfterMs, backoff / 2 + Math.random() * (backoff / 2)));
      entry.timer = setTimeout(() => void run(number + 1), delay);
    };
    void run(1);
  }

  async function close(): Promise<void> {
    closed = true;
    for (const entry of pending) {
      clearTimeout(entry.timer);
      entry.abort.abort();
    }
    pending.clear();
    await agent.close();
  }

  return { validate, send, close };
}
