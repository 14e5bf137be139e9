import type { ErrorBodyShape } from './faults.js';
import type { WindowStanding } from './fixed-windows.js';

/** A finished answer: status, headers and body text. */
export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const json = { 'content-type': 'application/json' };
const html = { 'content-type': 'text/html; charset=utf-8' };

/** v3 success envelope. */
export function success(data: Record<string, unknown>): Answer {
  return { status: 200, headers: json, body: JSON.stringify({ data, success: true, status: 200 }) };
}

/** An error in one of the shapes upstreams send; `json` is Imgur's usual v3 error. */
export function failure(status: number, message: string, shape: ErrorBodyShape, path: string): Answer {
  const request = { request: path, method: 'POST' };
  switch (shape) {
    case 'json':
      return { status, headers: json, body: JSON.stringify({ data: { error: message, ...request }, success: false, status }) };
    case 'data-error-object':
      return {
        status,
        headers: json,
        body: JSON.stringify({ data: { error: { code: status, message, type: 'ImgurException', exception: [] }, ...request }, success: false, status }),
      };
    case 'errors-array':
      return { status, headers: json, body: JSON.stringify({ errors: [{ id: 'sim', code: String(status), status: String(status), detail: message }] }) };
    case 'json-api':
      // Imgur's newer API answers in JSON:API, served as application/vnd.imgur.v1+json.
      return {
        status,
        headers: { 'content-type': 'application/vnd.imgur.v1+json' },
        body: JSON.stringify({ errors: [{ id: `legacy-api-${Math.random().toString(16).slice(2, 10)}`, code: String(status), status: statusText(status), detail: message }] }),
      };
    case 'error-string':
      return { status, headers: json, body: JSON.stringify({ error: message }) };
    case 'html':
      return { status, headers: html, body: htmlPage(status, message) };
    case 'empty':
      return { status, headers: {}, body: '' };
  }
}

/** The kind of page a CDN in front of the upstream serves. */
function htmlPage(status: number, message: string): string {
  const text = escapeHtml(message);
  return `<!DOCTYPE html>\n<html><head><title>${status} ${text}</title></head>\n<body><h1>${text}</h1><p>Please try again later.</p></body></html>\n`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

/** Ceiled seconds from `now` to `at`, so a client trusting them never comes back early. */
export function secondsUntil(at: number, now: number): number {
  return Math.max(0, Math.ceil((at - now) / 1000));
}

function statusText(status: number): string {
  return status === 429 ? 'Too Many Requests' : String(status);
}

/**
 * The tidy rate-limit headers: the source IP's tightest upload window as X-Post-Rate-Limit-* (reset
 * as seconds from now), the credential's as X-RateLimit-Client* in credits (uploads × cost, reset as
 * epoch seconds). X-RateLimit-User* are Imgur's per-IP credits, which the tidy mode does not model.
 */
export function rateLimitHeaders(ip: WindowStanding | undefined, client: WindowStanding | undefined, now: number, uploadCost = 1): Record<string, string> {
  const headers: Record<string, string> = {};
  if (ip) {
    headers['x-post-rate-limit-limit'] = String(ip.limit);
    headers['x-post-rate-limit-remaining'] = String(ip.remaining);
    headers['x-post-rate-limit-reset'] = String(secondsUntil(ip.resetAt, now));
  }
  if (client) {
    headers['x-ratelimit-clientlimit'] = String(client.limit * uploadCost);
    headers['x-ratelimit-clientremaining'] = String(client.remaining * uploadCost);
    headers['x-ratelimit-clientreset'] = String(Math.ceil(client.resetAt / 1000));
  }
  return headers;
}
