import { pathOf, type GatewayRequest, type GatewayResponse } from './handler.js';

/** How an answer is shaped: the API generation the client speaks and the syntax it asked for. */
export interface ResponseFormat {
  /** v3 = `/3/…`; v2 = `/2/…`; v1 = `/1/…` and `/api/…` (the oldest clients). */
  version: 'v3' | 'v2' | 'v1';
  syntax: 'json' | 'xml';
  /** The path as the client sent it, echoed in error answers (`request`). */
  requestPath: string;
}

/** Every path an upload may be POSTed to; the app mounts the upload handler on each. */
export const uploadPaths: string[] = [
  ...['/3/image', '/3/upload'].flatMap((path) => [path, `${path}.json`, `${path}.xml`]),
  ...['/2', '/1', '/api'].flatMap((prefix) => [`${prefix}/upload.json`, `${prefix}/upload.xml`]),
];

/** Upload paths as Express matches them: case-insensitive, a trailing slash ignored. */
const uploadPathSet = new Set(uploadPaths.map((path) => path.toLowerCase()));

/** Whether a request path (no query) is one of the upload paths, matched as Express's router matches them. */
export function isUploadPath(path: string): boolean {
  return uploadPathSet.has(path.toLowerCase().replace(/(.)\/$/, '$1'));
}

/** The answer format a path implies. Anything that is not a legacy path is answered as v3 (e.g. /3/credits, /3/jobs/:id, unknown routes). */
export function formatForPath(path: string): ResponseFormat {
  const syntax = path.endsWith('.xml') ? 'xml' : 'json';
  if (path.startsWith('/2/')) return { version: 'v2', syntax, requestPath: path };
  if (path.startsWith('/1/') || path.startsWith('/api/')) return { version: 'v1', syntax, requestPath: path };
  return { version: 'v3', syntax, requestPath: path };
}

/** The format of this request: the one a route stored in `res.locals.format`, else the one its path implies. */
export function requestFormat(req: GatewayRequest, res: GatewayResponse): ResponseFormat {
  const stored = res.locals.format as ResponseFormat | undefined;
  // The whole path, not a mounted router's rest; never the query (it may hold a key).
  return stored ?? formatForPath(pathOf(req));
}
