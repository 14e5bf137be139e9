/** Building blocks of the OpenAPI document: schema helpers, reusable schemas, headers and answers. */

export type Schema = Record<string, unknown>;
export const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
export const headerRef = (name: string): Schema => ({ $ref: `#/components/headers/${name}` });
export const json = (schema: Schema, description: string) => ({ description, content: { 'application/json': { schema } } });
export const int = { type: 'integer' };
export const str = { type: 'string' };
export const obj = (properties: Record<string, Schema>, required: string[] = Object.keys(properties)): Schema => ({ type: 'object', properties, required });
export const epochMs = { type: 'integer', description: 'Epoch milliseconds' };
export const idParam = (description: string) => ({ name: 'id', in: 'path', required: true, schema: str, description });

/** The headers every answer to a request with a valid gateway key carries. */
export const quotaHeaderNames = [
  'RateLimit-Policy',
  'RateLimit',
  'X-RateLimit-ClientLimit',
  'X-RateLimit-ClientRemaining',
  'X-RateLimit-ClientReset',
  'X-RateLimit-UserLimit',
  'X-RateLimit-UserRemaining',
  'X-RateLimit-UserReset',
] as const;

export const headers: Record<string, Schema> = {
  'RateLimit-Policy': { description: 'The windows that apply (draft-ietf-httpapi-ratelimit-headers), e.g. `"key-1h";q=50;w=3600`', schema: str },
  RateLimit: { description: 'Remaining uploads and seconds to reset per window, e.g. `"key-1h";r=12;t=1800`', schema: str },
  'X-RateLimit-ClientLimit': { description: "The key's tightest window: its limit", schema: int },
  'X-RateLimit-ClientRemaining': { description: "The key's tightest window: uploads left", schema: int },
  'X-RateLimit-ClientReset': { description: "The key's tightest window: reset as epoch seconds", schema: int },
  'X-RateLimit-UserLimit': { description: "The client IP's tightest window: its limit", schema: int },
  'X-RateLimit-UserRemaining': { description: "The client IP's tightest window: uploads left", schema: int },
  'X-RateLimit-UserReset': { description: "The client IP's tightest window: reset as epoch seconds", schema: int },
  'Retry-After': { description: 'Seconds after which a retry may succeed', schema: int },
  Location: { description: 'Where to poll the queued job: `/3/jobs/{id}`', schema: str },
  'X-Request-Id': { description: "The request's id (the caller's own when it is 1-128 of `A-Z a-z 0-9 . _ : -`), also in the gateway's logs", schema: str },
};

/** Quota headers, plus any of `extra` (by component name), as an answer's `headers`. */
export const withHeaders = (...extra: string[]) => Object.fromEntries([...quotaHeaderNames, ...extra, 'X-Request-Id'].map((name) => [name, headerRef(name)]));

/** A v3 error answer; keyed routes also carry the quota headers. */
export const v3Error = (description = 'Error in the v3 shape (see the error code table)', ...extraHeaders: string[]) => ({
  ...json(ref('V3Error'), description),
  headers: withHeaders(...extraHeaders),
});

const quotaWindow = obj({
  scope: { enum: ['key', 'ip'] },
  name: { type: 'string', examples: ['key-1h'] },
  limit: int,
  windowMs: int,
  used: int,
  remaining: int,
  resetAt: epochMs,
});
const windowLimit = obj({ limit: int, window: { oneOf: [{ type: 'string', examples: ['1h'] }, int] } });
const quotaOverride = obj({ policy: { enum: ['all', 'any'] }, perKey: { type: 'array', items: windowLimit }, perIp: { type: 'array', items: windowLimit } }, []);
const jobView = obj(
  {
    id: str,
    status: { enum: ['queued', 'active', 'done', 'failed'] },
    position: int,
    eta: { type: 'string', format: 'date-time' },
    result: ref('V3Image'),
    error: obj({ code: int, status: int, message: str }),
    createdAt: { type: 'string', format: 'date-time' },
    finishedAt: { type: 'string', format: 'date-time' },
  },
  ['id', 'status', 'createdAt'],
);

export const schemas: Record<string, Schema> = {
  V3Image: {
    ...obj({ id: str, link: str, deletehash: str, type: str, width: int, height: int, size: int, datetime: int }, ['id', 'link']),
    additionalProperties: true,
  },
  V3Success: obj({ data: ref('V3Image'), success: { const: true }, status: { const: 200 } }),
  V3Error: obj({ data: obj({ error: str, code: int, request: str, method: str }), success: { const: false }, status: int }),
  V3Queued: obj({ data: obj({ id: str, status: { const: 'queued' }, position: int, eta: { type: 'string', format: 'date-time' } }), success: { const: true }, status: { const: 202 } }),
  V2Upload: obj({ upload: obj({ image: obj({ hash: str, deletehash: str, type: str, width: int, height: int, size: int }, ['hash']), links: obj({ original: str, imgur_page: str, delete_page: str, small_square: str, large_thumbnail: str }) }) }),
  V1Upload: obj({ rsp: obj({ stat: { enum: ['ok', 'fail'] }, image: obj({ image_hash: str, delete_hash: str, original_image: str, imgur_page: str, delete_page: str }, []), error_code: int, error_msg: str }, ['stat']) }),
  Credits: obj({ data: obj({ UserLimit: int, UserRemaining: int, UserReset: int, ClientLimit: int, ClientRemaining: int, ClientReset: int }), success: { const: true }, status: { const: 200 } }),
  Job: jobView,
  AdminJob: {
    allOf: [
      jobView,
      obj(
        {
          keyId: str,
          attempts: int,
          lane: str,
          upstream: { type: 'string', description: 'The upstream URL the job was accepted for' },
          held: { type: 'boolean', description: 'Accepted for another upstream than the configured one: held until released' },
        },
        ['keyId', 'attempts'],
      ),
    ],
  },
  QuotaWindow: quotaWindow,
  QuotaOverride: quotaOverride,
  ApiKey: obj(
    {
      id: str,
      quotas: quotaOverride,
      weight: { type: 'number' },
      corsOrigins: { type: 'array', items: str, description: "Browser origins allowed for this key (replaces cors.origins); '*' allows any" },
      source: { enum: ['config', 'store'] },
      createdAt: str,
      revoked: { type: 'boolean' },
      policy: { enum: ['all', 'any'] },
    },
    ['id', 'weight', 'source', 'policy'],
  ),
  KeyUsage: obj({ id: str, policy: { enum: ['all', 'any'] }, weight: { type: 'number' }, windows: { type: 'array', items: ref('QuotaWindow') } }),
  Usage: obj({ keys: { type: 'array', items: ref('KeyUsage') }, topIps: { type: 'array', items: obj({ ip: str, windows: { type: 'array', items: ref('QuotaWindow') } }) } }),
  Lane: obj(
    {
      id: str,
      localAddress: str,
      windows: { type: 'array', items: obj({ scope: { enum: ['address', 'client'] }, limit: int, windowMs: int, remaining: int, resetAt: epochMs }) },
      remaining: int,
      pausedUntil: epochMs,
      pauses: obj({ address: epochMs, client: epochMs }),
      credits: obj({ limit: int, remaining: int, reserve: int, uploadCost: int, windowMs: int, resetAt: epochMs, upstream: obj({ limit: int, remaining: int, at: epochMs }) }),
    },
    ['id', 'windows', 'remaining'],
  ),
  QueueStats: obj(
    { depth: int, bytes: int, active: int, held: { type: 'integer', description: 'Waiting jobs held: accepted for another upstream' }, oldestAgeMs: int, drainEta: epochMs, byKey: { type: 'object', additionalProperties: int } },
    ['depth', 'bytes', 'active', 'held', 'oldestAgeMs', 'drainEta', 'byKey'],
  ),
};
