import { createHash, randomBytes } from 'node:crypto';
import { STATUS_CODES, createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { buffer } from 'node:stream/consumers';
import { systemClock, type Clock } from '../clock.js';
import { failure, success, type Answer } from './answers.js';
import { FaultQueue, faultRequestSchema, type Fault } from './faults.js';
import type { WindowLimit } from './fixed-windows.js';
import { imgurLimits, type ImgurProfileOptions } from './imgur-limits.js';
import { tidyLimits } from './upstream-limits.js';
import { imageInfo, type ImageInfo } from './image-info.js';
import { BadUpload, readUpload, type ReceivedUpload } from './read-upload.js';
import { StatsRecorder, type SimStats } from './stats.js';

export interface SimulatorOptions {
  /** Listen address. Default 127.0.0.1. */
  host?: string;
  /** Listen port. Default 0 (any free port). */
  port?: number;
  /** Uploads per source IP (reported as X-Post-Rate-Limit-* and X-RateLimit-User*). Default Imgur's 50/1h + 200/1d. */
  ipLimits?: WindowLimit[];
  /** Tidy: uploads per credential (Client-ID, or the account of a Bearer token), reported in credits. Default 1250/1d (12,500 credits). */
  clientLimits?: WindowLimit[];
  /** `tidy` (default): exact, reported windows. `imgur`: the real upstream's quirks (see imgur-limits.ts); `ipLimits` become its hidden per-IP limit. */
  profile?: 'tidy' | 'imgur';
  /** Credits one upload costs. Default 10. */
  uploadCost?: number;
  /** The imgur profile's other budgets and draws. */
  imgur?: Partial<Omit<ImgurProfileOptions, 'hiddenIpLimits' | 'uploadCost' | 'stats' | 'clock'>>;
  /** Delay before every answer. Default 0. */
  latencyMs?: number;
  /** Largest upload accepted. Default 20MB, like Imgur's image cap. */
  maxUploadBytes?: number;
  /** Time source of the windows. Default the system clock. */
  clock?: Clock;
}

export interface Simulator {
  /** Base URL, e.g. http://127.0.0.1:41234. */
  url: string;
  stats(): SimStats;
  close(): Promise<void>;
}

export const defaultIpLimits: WindowLimit[] = [
  { limit: 50, windowMs: 3_600_000 },
  { limit: 200, windowMs: 86_400_000 },
];
export const defaultClientLimits: WindowLimit[] = [{ limit: 1_250, windowMs: 86_400_000 }];

const uploadPath = /^\/3\/(image|upload)(\.json)?$/;

type Caller = { clientId: string; clientKey: string } | { bearer: string; accountId: number; clientKey: string };

/**
 * An Imgur v3-like upstream for tests, the demo and benchmarks: answers uploads in v3 shapes with
 * Imgur's rate-limit headers, enforces per-source-IP and per-credential fixed windows (429 past them,
 * the refused upload not counted), and injects faults on request through `/_sim/*`.
 */
export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const clock = options.clock ?? systemClock;
  const host = options.host ?? '127.0.0.1';
  const maxBytes = options.maxUploadBytes ?? 20 * 1024 * 1024;
  const faults = new FaultQueue();
  const stats = new StatsRecorder();
  const uploadCost = options.uploadCost ?? 10;
  const limits =
    options.profile === 'imgur'
      ? imgurLimits({
          hiddenIpLimits: options.ipLimits ?? defaultIpLimits,
          postLimit: { limit: 1_250, windowMs: 3_600_000 },
          userCredits: { limit: 2_000, windowMs: 3_600_000 },
          clientCredits: { limit: 12_500, windowMs: 86_400_000 },
          spurious429: 0,
          overCapacity: 0,
          seed: 1,
          ...options.imgur,
          uploadCost,
          stats,
          clock,
        })
      : tidyLimits(options.ipLimits ?? defaultIpLimits, options.clientLimits ?? defaultClientLimits, uploadCost, clock);
  let latencyMs = options.latencyMs ?? 0;
  let base = '';

  function limitHeaders(ip: string, caller: Caller | undefined): Record<string, string> {
    return limits.headers(ip, caller?.clientKey);
  }

  async function upload(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const ip = sourceIp(req);
    const caller = identify(req.headers.authorization);
    if (!caller) {
      req.resume();
      return send(res, failure(401, 'Authentication required', 'json', path), limitHeaders(ip, undefined));
    }
    const fault = faults.take('clientId' in caller ? caller.clientId : undefined, ip);
    if (fault) stats.faulted();
    let received: ReceivedUpload;
    try {
      received = await readUpload(req, maxBytes);
    } catch (error) {
      if (!(error instanceof BadUpload)) throw error;
      return send(res, failure(400, error.message, 'json', path), limitHeaders(ip, caller));
    }
    if (fault?.kind === 'reset') return void req.socket.destroy();
    const delay = fault?.kind === 'latency' ? fault.ms : latencyMs;
    if (delay > 0) await sleep(delay);
    if (fault?.kind === 'status') {
      if (fault.status === 429) stats.refused('fault', ip);
      return send(res, failure(fault.status, fault.message ?? STATUS_CODES[fault.status] ?? `Error ${fault.status}`, fault.body, path), limitHeaders(ip, caller));
    }
    if (fault?.kind === 'rate-limit') return rateLimitFault(res, fault, path, ip);
    if (fault?.kind === 'credits-spent') {
      stats.refused('fault', ip);
      return send(res, failure(429, 'Too Many Requests', 'json-api', path), { ...limitHeaders(ip, caller), 'x-ratelimit-clientremaining': '0' });
    }
    if (!received.image?.length && !received.url) return send(res, failure(400, 'No image data was sent to the upload API', 'json', path), limitHeaders(ip, caller));
    const info = received.url ? { mime: 'image/jpeg', ext: 'jpg', width: 0, height: 0 } : await imageInfo(received.image!);
    if (!info) return send(res, failure(400, 'File type invalid (1)', 'data-error-object', path), limitHeaders(ip, caller));
    // A client that hung up (e.g. timed out) never learns the id, so the upload is dropped rather than stored.
    if (req.socket.destroyed) return;
    // Check and count in one synchronous step, so concurrent uploads cannot overshoot a limit.
    const refusal = limits.admit(ip, caller.clientKey, path);
    if (refusal) {
      if (refusal.answer.status === 429) stats.refused(refusal.cause, ip);
      return send(res, refusal.answer);
    }
    const requestId = req.headers['x-request-id'];
    const data = accept(received, info, caller, ip, typeof requestId === 'string' ? requestId : undefined);
    send(res, success(data), limitHeaders(ip, caller));
  }

  function accept(received: ReceivedUpload, info: ImageInfo, caller: Caller, ip: string, requestId?: string): Record<string, unknown> {
    const id = randomId(7);
    const now = clock();
    const size = received.image?.length ?? 0;
    stats.accepted(
      {
        id,
        ...(received.image ? { sha256: createHash('sha256').update(received.image).digest('hex') } : { url: received.url! }),
        size,
        ...('clientId' in caller ? { clientId: caller.clientId } : { bearer: caller.bearer }),
        ip,
        fields: received.fields,
        at: now,
        ...(requestId && { requestId }),
      },
      caller.clientKey,
    );
    const { name = '', title = null, description = null } = received.fields;
    return {
      id,
      title,
      description,
      datetime: Math.floor(now / 1000),
      type: info.mime,
      animated: info.mime === 'image/gif' || info.mime.startsWith('video/'),
      width: info.width,
      height: info.height,
      size,
      views: 0,
      bandwidth: 0,
      favorite: false,
      nsfw: null,
      account_url: null,
      account_id: 'accountId' in caller ? caller.accountId : 0,
      in_gallery: false,
      deletehash: randomId(15),
      name,
      link: `${base}/i/${id}.${info.ext}`,
    };
  }

  /** A 429 as a CDN or a busy upstream sends it: no budget headers, Retry-After only when asked. */
  function rateLimitFault(res: ServerResponse, fault: Extract<Fault, { kind: 'rate-limit' }>, path: string, ip: string): void {
    stats.refused('fault', ip);
    const headers: Record<string, string> = fault.retryAfter === false ? {} : { 'retry-after': String(fault.retryAfter === true ? 1 : fault.retryAfter) };
    send(res, failure(429, 'Too Many Requests', fault.html ? 'html' : 'json', path), headers);
  }

  async function control(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    if (req.method === 'GET' && path === '/_sim/stats') return send(res, { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(stats.snapshot(faults.size)) });
    if (req.method === 'POST' && path === '/_sim/reset') {
      req.resume();
      limits.clear();
      faults.clear();
      stats.clear();
      latencyMs = options.latencyMs ?? 0;
      return send(res, { status: 204, headers: {}, body: '' });
    }
    if (req.method === 'POST' && path === '/_sim/faults') {
      const parsed = faultRequestSchema.safeParse(await buffer(req).then((body) => JSON.parse(body.toString('utf8')) as unknown).catch(() => undefined));
      if (!parsed.success) return send(res, failure(400, `Bad fault request: ${parsed.error.message}`, 'error-string', path));
      faults.add(parsed.data.next);
      if (parsed.data.latencyMs !== undefined) latencyMs = parsed.data.latencyMs;
      return send(res, { status: 204, headers: {}, body: '' });
    }
    req.resume();
    send(res, failure(404, 'Not found', 'json', path));
  }

  async function route(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    if (path.startsWith('/_sim/')) return control(req, res, path);
    if (req.method === 'POST' && uploadPath.test(path)) return upload(req, res, path);
    req.resume();
    send(res, failure(404, 'Not found', 'json', path));
  }

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://simulator').pathname;
    route(req, res, path).catch((error: unknown) => {
      if (!res.headersSent) send(res, failure(500, error instanceof Error ? error.message : 'Internal error', 'json', path));
      else res.destroy();
    });
  });
  // Uploads stream for a while on a loaded machine; the default 5-minute request timeout is fine, but keep-alive
  // must outlast the gateway's idle connections so a reused socket is not closed under a request.
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  base = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    url: base,
    stats: () => stats.snapshot(faults.size),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function send(res: ServerResponse, answer: Answer, extraHeaders: Record<string, string> = {}): void {
  if (res.destroyed) return;
  res.writeHead(answer.status, { ...answer.headers, ...extraHeaders, 'content-length': Buffer.byteLength(answer.body) });
  res.end(answer.body);
}

/** The caller of an upload from its Authorization header; a Bearer token stands for one account. */
function identify(authorization: string | undefined): Caller | undefined {
  const match = /^(Client-ID|Bearer)\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!match) return undefined;
  const credential = match[2]!;
  if (match[1]!.toLowerCase() === 'client-id') return { clientId: credential, clientKey: credential };
  const accountId = parseInt(createHash('sha256').update(credential).digest('hex').slice(0, 8), 16);
  return { bearer: credential, accountId, clientKey: `account:${accountId}` };
}

/** The socket's peer address, so lanes bound to 127.0.0.2, 127.0.0.3… get separate budgets. */
function sourceIp(req: IncomingMessage): string {
  return (req.socket.remoteAddress ?? 'unknown').replace(/^::ffff:/, '');
}

const idAlphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

function randomId(length: number): string {
  return Array.from(randomBytes(length), (byte) => idAlphabet[byte % idAlphabet.length]).join('');
}
