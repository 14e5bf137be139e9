import { headerRef, idParam, int, json, obj, ref, str, v3Error, withHeaders, type Schema } from './openapi-schemas.js';
import { uploadPaths } from './response-format.js';

/** The client-facing routes: uploads in every path and form, credits, jobs; and the operations routes. */

const gatewayKeyAuth = [{ clientId: [] }, { apiKey: [] }, { keyQuery: [] }];
/** Routes anyone may call. */
const open = { security: [] };

const formFields = {
  image: { type: 'string', description: 'The image as base64, a `data:…;base64,` URI or a URL' },
  video: { type: 'string', description: 'Same as `image`, for a video' },
  type: { type: 'string', description: '`file`, `base64`, `url`, `raw` or `stream` (any case); detected when missing' },
  name: str,
  title: str,
  description: str,
  key: { type: 'string', description: 'The gateway key, when not sent in a header' },
  callback_url: { type: 'string', format: 'uri', description: 'Receives the result as an HMAC-signed POST when the job ends' },
};
const binary = { type: 'string', format: 'binary' };
const multipartFields = { ...formFields, image: { anyOf: [{ ...binary, description: 'The image file (filename optional)' }, formFields.image] }, video: { anyOf: [{ ...binary, description: 'A video file' }, formFields.video] } };
// Either `image` or `video` is needed; OpenAPI cannot say "one of two fields", so neither is marked required.
const uploadRequestBody = {
  required: true,
  description: 'The image as a multipart `image`/`video` part (a file, or text holding base64 or a URL), urlencoded or JSON `image` (base64, data URI or URL), or the raw bytes as the body. The real type is detected from the bytes.',
  content: {
    'multipart/form-data': { schema: obj(multipartFields, []), encoding: { image: { contentType: 'image/*, video/*, application/octet-stream, text/plain' } } },
    'application/x-www-form-urlencoded': { schema: obj(formFields, []) },
    'application/json': { schema: obj(formFields, []) },
    'image/*': { schema: binary },
    'video/*': { schema: binary },
    'application/octet-stream': { schema: binary },
  },
};

/** `/3/image.xml` → `upload3ImageXml`: unique and stable per path. */
const operationIdFor = (path: string) => `upload${path.split(/[/.]/).filter(Boolean).map((part) => part[0]!.toUpperCase() + part.slice(1)).join('')}`;

function uploadOperation(path: string) {
  const legacy = !path.startsWith('/3/');
  const okSchema = path.startsWith('/2/') ? ref('V2Upload') : legacy ? ref('V1Upload') : ref('V3Success');
  const okType = path.endsWith('.xml') ? 'application/xml' : 'application/json';
  return {
    post: {
      operationId: operationIdFor(path),
      tags: [legacy ? 'legacy uploads' : 'uploads'],
      summary: legacy ? 'Upload an image (legacy answer shape)' : 'Upload an image',
      description: 'Errors are answered in the shape of the path (v3 JSON as shown; legacy paths in their own JSON or XML shape).',
      security: gatewayKeyAuth,
      parameters: [
        { name: 'Prefer', in: 'header', schema: str, description: '`respond-async` answers 202 at once' },
        { name: 'Idempotency-Key', in: 'header', schema: str, description: 'A retry with the same key returns the same job' },
        { name: 'X-Request-Id', in: 'header', schema: str, description: 'Carried into the job, the upstream call and the logs' },
      ],
      requestBody: uploadRequestBody,
      responses: {
        200: { description: 'Uploaded', headers: withHeaders(), content: { [okType]: { schema: okSchema } } },
        202: { ...json(ref('V3Queued'), 'Queued: poll Location (/3/jobs/{id})'), headers: withHeaders('Location', 'Retry-After') },
        400: v3Error('No image (1000), invalid URL (1011) or a malformed request (9000)'),
        401: { ...json(ref('V3Error'), 'No API key was sent (1015)'), headers: { 'X-Request-Id': headerRef('X-Request-Id') } },
        403: v3Error('Unknown or revoked key (1004), or an origin this key does not allow (1019)'),
        413: v3Error('Image larger than the cap (1002)'),
        415: v3Error('Not an accepted image or video type (1003)'),
        429: v3Error('Quota exhausted (1008)', 'Retry-After'),
        500: v3Error('The gateway could not read back what it stored (1024)'),
        502: v3Error('Upstream failed after retries (1021)'),
        503: v3Error('Gateway overloaded or store unavailable (1020)', 'Retry-After'),
        504: v3Error('Upstream timed out after retries (1021)'),
      },
    },
  };
}

const keyedErrors = {
  401: { ...json(ref('V3Error'), 'No API key was sent (1015)'), headers: { 'X-Request-Id': headerRef('X-Request-Id') } },
  403: v3Error('Unknown or revoked key (1004), or an origin this key does not allow (1019)'),
  429: v3Error('Too many invalid keys from this address (1008)', 'Retry-After'),
  503: v3Error('Store unavailable (1020)', 'Retry-After'),
};

const credits = (operationId: string, summary: string) => ({
  get: { operationId, tags: ['uploads'], summary, security: gatewayKeyAuth, responses: { 200: { ...json(ref('Credits'), 'Credits'), headers: withHeaders() }, ...keyedErrors } },
});

const operation = (operationId: string, summary: string, responses: Record<string, unknown>) => ({ get: { operationId, tags: ['operations'], summary, ...open, responses } });
const text = (type: string, description: string): Schema => ({ description, content: { [type]: { schema: str } } });

export const publicPaths = {
  ...Object.fromEntries(uploadPaths.map((path) => [path, uploadOperation(path)])),
  '/3/credits': credits('getCredits', "The key's and the client IP's remaining uploads"),
  '/3/credits.json': credits('getCreditsJson', 'Same as /3/credits'),
  '/3/jobs/{id}': {
    get: {
      operationId: 'getJob',
      tags: ['uploads'],
      summary: 'A queued upload: its status, and the v3 data once done',
      security: gatewayKeyAuth,
      parameters: [idParam('Job id from the 202 answer')],
      responses: {
        200: { ...json(obj({ data: ref('Job'), job: obj({ id: str, status: str }), success: { type: 'boolean' }, status: int }), 'The job'), headers: withHeaders() },
        ...keyedErrors,
        404: v3Error('No such job for this key (1009)'),
      },
    },
  },
  '/': operation('getHome', 'What is running (version, store, upstream, lanes) and where to go next', {
    200: {
      description: 'JSON, or a small HTML page when the client prefers text/html',
      content: {
        'application/json': { schema: obj({ name: str, version: str, store: { enum: ['redis', 'embedded'] }, upstream: str, lanes: int, warning: str, links: { type: 'object', additionalProperties: str } }, ['name', 'version', 'store', 'upstream', 'lanes', 'links']) },
        'text/html': { schema: str },
      },
    },
  }),
  '/healthz': operation('getHealth', 'Liveness', { 200: json(obj({ status: str }, []), 'The process is up') }),
  '/readyz': operation('getReadiness', 'Readiness: store reachable, config loaded', { 200: json(obj({ status: str }, []), 'Ready'), 503: json(obj({ status: str }, []), 'Not ready') }),
  '/metrics': operation('getMetrics', 'Prometheus metrics', { 200: text('text/plain', 'Prometheus text format') }),
  '/openapi.json': operation('getOpenApi', 'This document', { 200: json({ type: 'object' }, 'OpenAPI 3.1') }),
  '/dashboard': operation('getDashboard', 'The live dashboard (asks for the admin token)', { 200: text('text/html', 'HTML page') }),
  '/dashboard/app.js': operation('getDashboardScript', 'Dashboard script', { 200: text('text/javascript', 'ES module') }),
  '/dashboard/style.css': operation('getDashboardStyles', 'Dashboard styles', { 200: text('text/css', 'CSS') }),
};
