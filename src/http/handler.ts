import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * A request as the gateway's client-route handlers read it: Node's own, plus the parsed query
 * (`req.query`) and, under Express, the URL before any router trimmed it (`originalUrl`). Express's
 * Request is one; so is a request the upload fast path (upload-fast-path.ts) hands on.
 */
export interface GatewayRequest extends IncomingMessage {
  query?: unknown;
  originalUrl?: string;
}

/** Node's response plus the notes handlers leave for the request log (Express's `res.locals`). */
export interface GatewayResponse extends ServerResponse {
  locals: Record<string, unknown>;
}

/** A connect-style handler on Node's own request and response: Express runs it, and so does the fast path. */
export type Handler = (req: GatewayRequest, res: GatewayResponse, next: (error?: unknown) => void) => void | Promise<void>;

/** The path a request was sent to, without its query: Express's `req.path` for a route mounted at the root. */
export function pathOf(req: GatewayRequest): string {
  const url = req.originalUrl ?? req.url ?? '/';
  // An absolute-form target (`POST http://host/3/image`) is rare enough to pay for a URL parse.
  if (!url.startsWith('/')) return new URL(url, 'http://localhost').pathname;
  const query = url.indexOf('?');
  return query < 0 ? url : url.slice(0, query);
}

/** A request header as one string (Express's `req.get`): repeated headers Node keeps as a list are joined. */
export function headerOf(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}
