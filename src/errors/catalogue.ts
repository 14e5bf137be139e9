/**
 * Every error a client can see, with its stable code (legacy Imgur numbers where one exists)
 * and HTTP status. One catalogue, rendered by one error middleware in the client's format.
 */
export const errorCatalogue = {
  noImage: { code: 1000, status: 400, message: 'No image data was sent to the upload API' },
  tooLarge: { code: 1002, status: 413, message: 'Image is larger than the size limit' },
  unsupportedType: { code: 1003, status: 415, message: 'Image format not supported, or image is corrupt' },
  badKey: { code: 1004, status: 403, message: 'Invalid or revoked API key' },
  quotaExhausted: { code: 1008, status: 429, message: 'Upload limit reached' },
  tooManyBadKeys: { code: 1008, status: 429, message: 'Too many invalid API keys from this address, try again later' },
  notFound: { code: 1009, status: 404, message: 'Not found' },
  methodNotAllowed: { code: 1010, status: 405, message: 'Method not allowed: uploads are sent with POST' },
  invalidUrl: { code: 1011, status: 400, message: 'Invalid URL' },
  noKey: { code: 1015, status: 401, message: 'No API key was sent' },
  adminUnauthorized: { code: 1016, status: 401, message: 'Admin token required' },
  keyExists: { code: 1017, status: 409, message: 'An API key with this id already exists' },
  keyReadOnly: { code: 1018, status: 409, message: 'Keys from the config file cannot be changed at run time' },
  originNotAllowed: { code: 1019, status: 403, message: 'This API key does not allow uploads from this origin' },
  overloaded: { code: 1020, status: 503, message: 'Gateway overloaded, try again later' },
  storeUnavailable: { code: 1020, status: 503, message: 'Quota store unavailable, try again later' },
  /** Redis answered, but not as the deployment the gateway was configured for (named in the log and /readyz). */
  storeMisconfigured: { code: 1020, status: 503, message: 'Gateway store misconfigured, try again later' },
  noUpstream: { code: 1020, status: 503, message: 'No upstream configured: this gateway has no lanes to send uploads through' },
  upstreamFailed: { code: 1021, status: 502, message: 'Upstream failed' },
  upstreamTimeout: { code: 1021, status: 504, message: 'Upstream timed out' },
  jobCancelled: { code: 1022, status: 410, message: 'Cancelled by an operator' },
  jobFinished: { code: 1023, status: 409, message: 'The job is not in a state that allows this' },
  /** The gateway could not read back what it stored (a payload gone from the spool or Redis): our fault, never the upstream's. */
  gatewayStorage: { code: 1024, status: 500, message: 'Gateway storage error: the stored upload could not be read' },
  malformed: { code: 9000, status: 400, message: 'Malformed request' },
  /** Anything unexpected; the details go to the log, never to the client. */
  internal: { code: 9001, status: 500, message: 'Internal error' },
} as const;

export type ErrorKind = keyof typeof errorCatalogue;

export interface GatewayErrorOptions {
  /** Replaces the catalogue's message with a more specific one. */
  message?: string;
  /** Seconds after which a retry may succeed: sent as Retry-After. */
  retryAfterSeconds?: number;
  cause?: unknown;
}

export class GatewayError extends Error {
  override name = 'GatewayError';
  readonly kind: ErrorKind;
  readonly code: number;
  readonly status: number;
  readonly retryAfterSeconds?: number;

  constructor(kind: ErrorKind, options: GatewayErrorOptions = {}) {
    const entry = errorCatalogue[kind];
    // A client error is an answer (a 429 is the busiest one), not a fault to debug: capturing its
    // stack was 2% of a refusal's CPU, so none is captured below 500.
    const stackTraceLimit = Error.stackTraceLimit;
    if (entry.status < 500) Error.stackTraceLimit = 0;
    super(options.message ?? entry.message, { cause: options.cause });
    Error.stackTraceLimit = stackTraceLimit;
    this.kind = kind;
    this.code = entry.code;
    this.status = entry.status;
    if (options.retryAfterSeconds !== undefined) this.retryAfterSeconds = Math.max(1, Math.ceil(options.retryAfterSeconds));
  }
}

export function isGatewayError(error: unknown): error is GatewayError {
  return error instanceof GatewayError;
}
