import { operatorPaths } from './openapi-operator.js';
import { uploadPaths } from './response-format.js';

/**
 * The OpenAPI 3.1 description of every route, served at GET /openapi.json. Upload paths come from
 * the same list the app registers, so the two cannot drift; test/ops/openapi-coverage.test.ts walks
 * the running app's router and fails when a registered route is missing here.
 */

type Schema = Record<string, unknown>;
const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Schema, description: string) => ({ description, content: { 'application/json': { schema } } });
const int = { type: 'integer' };
const str = { type: 'string' };
const obj = (properties: Record<string, Schema>, required: string[] = Object.keys(properties)): Schema => ({ type: 'object', properties, required });
const epochMs = { type: 'integer', description: 'Epoch milliseconds' };

const v3Error = json(ref('V3Error'), 'Error in the v3 shape (see the error code table)');
const adminError = { 401: json(ref('V3Error'), 'Missing or wrong admin token (code 1016)'), 404: json(ref('V3Error'), 'Not found, or the admin API is disabled') };
const idParam = (description: string) => ({ name: 'id', in: 'path', required: true, schema: str, description });

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

const schemas: Record<string, Schema> = {
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
  AdminJob: { allOf: [jobView, obj({ keyId: str, attempts: int, lane: str }, ['keyId', 'attempts'])] },
  QuotaWindow: quotaWindow,
  QuotaOverride: quotaOverride,
  ApiKey: obj({ id: str, quotas: quotaOverride, weight: { type: 'number' }, source: { enum: ['config', 'store'] }, createdAt: str, revoked: { type: 'boolean' }, policy: { enum: ['all', 'any'] } }, ['id', 'weight', 'source', 'policy']),
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
  QueueStats: obj({ depth: int, bytes: int, active: int, oldestAgeMs: int, drainEta: epochMs, byKey: { type: 'object', additionalProperties: int } }),
};

const uploadRequestBody = {
  description: 'The image as multipart (`image`/`video` file or text), urlencoded or JSON `image` (base64, data URI or URL), or a raw image body.',
  content: Object.fromEntries(
    ['multipart/form-data', 'application/x-www-form-urlencoded', 'application/json'].map((type) => [type, { schema: obj({ image: str, type: str, name: str, title: str, description: str, key: str }, ['image']) }]),
  ),
};
const gatewayKeyAuth = [{ clientId: [] }, { apiKey: [] }, { keyQuery: [] }];

function uploadOperation(path: string) {
  const legacy = !path.startsWith('/3/');
  const okSchema = path.startsWith('/2/') ? ref('V2Upload') : legacy ? ref('V1Upload') : ref('V3Success');
  const okType = path.endsWith('.xml') ? 'application/xml' : 'application/json';
  return {
    post: {
      tags: [legacy ? 'legacy uploads' : 'uploads'],
      summary: legacy ? 'Upload an image (legacy answer shape)' : 'Upload an image',
      security: gatewayKeyAuth,
      parameters: [
        { name: 'Prefer', in: 'header', schema: str, description: '`respond-async` answers 202 at once' },
        { name: 'Idempotency-Key', in: 'header', schema: str, description: 'A retry with the same key returns the same job' },
      ],
      requestBody: uploadRequestBody,
      responses: {
        200: { description: 'Uploaded', content: { [okType]: { schema: okSchema } } },
        202: { ...json(ref('V3Queued'), 'Queued: poll Location (/3/jobs/{id})'), headers: { Location: { schema: str }, 'Retry-After': { schema: int } } },
        400: v3Error, 401: v3Error, 403: v3Error, 413: v3Error, 415: v3Error,
        429: { ...v3Error, headers: { 'Retry-After': { schema: int } } },
        502: v3Error, 503: v3Error, 504: v3Error,
      },
    },
  };
}

const adminGet = (summary: string, schema: Schema, extra: Record<string, unknown> = {}) => ({
  get: { tags: ['admin'], summary, security: [{ adminToken: [] }], ...extra, responses: { 200: json(schema, summary), ...adminError } },
});

export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'upgate',
    version: '0.1.0',
    description: 'Rate-limit-aware upload gateway: Imgur-compatible uploads, combined per-key and per-IP quotas, upstream lane budgets and a durable fair queue.',
  },
  components: {
    securitySchemes: {
      clientId: { type: 'apiKey', in: 'header', name: 'Authorization', description: '`Client-ID <gateway key>`' },
      apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
      keyQuery: { type: 'apiKey', in: 'query', name: 'key' },
      adminToken: { type: 'http', scheme: 'bearer', description: 'UPGATE_ADMIN_TOKEN' },
    },
    schemas,
  },
  paths: {
    ...operatorPaths,
    ...Object.fromEntries(uploadPaths.map((path) => [path, uploadOperation(path)])),
    '/3/credits': { get: { tags: ['uploads'], summary: "The key's and the client IP's remaining uploads", security: gatewayKeyAuth, responses: { 200: json(ref('Credits'), 'Credits'), 401: v3Error, 403: v3Error } } },
    '/3/credits.json': { get: { tags: ['uploads'], summary: 'Same as /3/credits', security: gatewayKeyAuth, responses: { 200: json(ref('Credits'), 'Credits'), 401: v3Error, 403: v3Error } } },
    '/3/jobs/{id}': {
      get: {
        tags: ['uploads'],
        summary: 'A queued upload: its status, and the v3 data once done',
        security: gatewayKeyAuth,
        parameters: [idParam('Job id from the 202 answer')],
        responses: { 200: json(obj({ data: ref('Job'), success: { type: 'boolean' }, status: int }), 'The job'), 404: v3Error },
      },
    },
    '/': {
      get: {
        tags: ['operations'],
        summary: 'What this gateway is: version, store, lanes and links (JSON, or a small HTML page for a browser)',
        responses: {
          200: {
            description: 'About this gateway',
            content: {
              'application/json': { schema: obj({ name: str, version: str, store: { enum: ['redis', 'embedded'] }, upstream: str, lanes: int, warning: str, links: { type: 'object', additionalProperties: str } }, ['name', 'version', 'store', 'lanes', 'links']) },
              'text/html': { schema: str },
            },
          },
        },
      },
    },
    '/healthz': { get: { tags: ['operations'], summary: 'Liveness', responses: { 200: json(obj({ status: str }, []), 'The process is up') } } },
    '/readyz': { get: { tags: ['operations'], summary: 'Readiness: store reachable, config loaded, at least one upstream lane', responses: { 200: json(obj({ status: str }, []), 'Ready'), 503: json(obj({ status: str }, []), 'Not ready') } } },
    '/metrics': { get: { tags: ['operations'], summary: 'Prometheus metrics', responses: { 200: { description: 'Prometheus text format', content: { 'text/plain': { schema: str } } } } } },
    '/openapi.json': { get: { tags: ['operations'], summary: 'This document', responses: { 200: json({ type: 'object' }, 'OpenAPI 3.1') } } },
    '/dashboard': { get: { tags: ['operations'], summary: 'The live dashboard (asks for the admin token)', responses: { 200: { description: 'HTML page', content: { 'text/html': { schema: str } } } } } },
    '/dashboard/app.js': { get: { tags: ['operations'], summary: 'Dashboard script', responses: { 200: { description: 'ES module', content: { 'text/javascript': { schema: str } } } } } },
    '/dashboard/style.css': { get: { tags: ['operations'], summary: 'Dashboard styles', responses: { 200: { description: 'CSS', content: { 'text/css': { schema: str } } } } } },
    '/admin/keys': {
      ...adminGet('Every active key', obj({ keys: { type: 'array', items: ref('ApiKey') } })),
      post: {
        tags: ['admin'],
        summary: 'Create a key; its secret is shown only in this answer',
        security: [{ adminToken: [] }],
        requestBody: { required: true, content: { 'application/json': { schema: obj({ id: str, quotas: ref('QuotaOverride'), weight: { type: 'number' } }, ['id']) } } },
        responses: { 201: json(obj({ id: str, key: str }), 'Created'), 400: v3Error, 409: json(ref('V3Error'), 'The id is taken (code 1017)'), ...adminError },
      },
    },
    '/admin/keys/{id}': {
      ...adminGet('One key with its current windows', { allOf: [ref('ApiKey'), obj({ windows: { type: 'array', items: ref('QuotaWindow') } })] }, { parameters: [idParam('Key id')] }),
      patch: {
        tags: ['admin'],
        summary: 'Change quotas (null drops the override), policy or weight',
        security: [{ adminToken: [] }],
        parameters: [idParam('Key id')],
        requestBody: { required: true, content: { 'application/json': { schema: obj({ quotas: { oneOf: [ref('QuotaOverride'), { type: 'null' }] }, policy: { enum: ['all', 'any'] }, weight: { type: 'number' } }, []) } } },
        responses: { 200: json(ref('ApiKey'), 'Changed'), 400: v3Error, 409: json(ref('V3Error'), 'Config keys are read-only (code 1018)'), ...adminError },
      },
      delete: {
        tags: ['admin'],
        summary: 'Revoke a key (every instance within seconds)',
        security: [{ adminToken: [] }],
        parameters: [idParam('Key id')],
        responses: { 200: json(obj({ id: str, revoked: { const: true } }), 'Revoked'), 409: json(ref('V3Error'), 'Config keys are read-only (code 1018)'), ...adminError },
      },
    },
    '/admin/keys/{id}/reset': {
      post: {
        tags: ['admin'],
        summary: "Clear a key's counters",
        security: [{ adminToken: [] }],
        parameters: [idParam('Key id')],
        responses: { 200: json(obj({ id: str, reset: { const: true }, windows: { type: 'array', items: ref('QuotaWindow') } }), 'Reset'), ...adminError },
      },
    },
    '/admin/usage': adminGet("Every key's windows and the busiest client IPs", ref('Usage')),
    '/admin/lanes': adminGet("Each lane's upstream budget", obj({ lanes: { type: 'array', items: ref('Lane') } })),
    '/admin/jobs': adminGet('Queue statistics and jobs', obj({ stats: ref('QueueStats'), jobs: { type: 'array', items: ref('AdminJob') } }), {
      parameters: [
        { name: 'status', in: 'query', schema: { enum: ['queued', 'active', 'done', 'failed'] } },
        { name: 'key', in: 'query', schema: str, description: 'Only this key id' },
        { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 50 } },
      ],
    }),
    '/admin/jobs/{id}': adminGet('One job', ref('AdminJob'), { parameters: [idParam('Job id')] }),
    '/admin/overview': adminGet(
      'Everything the dashboard shows, in one answer',
      {
        allOf: [
          ref('Usage'),
          obj({
            now: epochMs,
            lanes: { type: 'array', items: ref('Lane') },
            queue: ref('QueueStats'),
            failures: { type: 'array', items: ref('AdminJob') },
            uploads: { type: 'object', additionalProperties: int, description: 'Upload requests so far by outcome' },
            upstream: { type: 'object', additionalProperties: int, description: 'Upstream answers so far by HTTP status' },
          }),
        ],
      },
    ),
  },
} as const;
