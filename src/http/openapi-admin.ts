import { epochMs, idParam, int, json, obj, ref, str, type Schema } from './openapi-schemas.js';

/** The /admin/* routes, every one behind the admin token. */

const security = [{ adminToken: [] }];
const error = (description: string) => json(ref('V3Error'), description);
const adminErrors = { 401: error('Missing or wrong admin token (code 1016)'), 404: error('Not found, or the admin API is disabled') };
const keyIdParam = idParam('Key id');
const corsOrigins = { type: 'array', items: str, description: "Browser origins allowed for this key, replacing cors.origins ('*' = any)" };

const adminGet = (operationId: string, summary: string, schema: Schema, extra: Record<string, unknown> = {}) => ({
  get: { operationId, tags: ['admin'], summary, security, ...extra, responses: { 200: json(schema, summary), ...adminErrors } },
});

export const adminPaths = {
  '/admin/keys': {
    ...adminGet('listKeys', 'Every active key', obj({ keys: { type: 'array', items: ref('ApiKey') } })),
    post: {
      operationId: 'createKey',
      tags: ['admin'],
      summary: 'Create a key; its secret is shown only in this answer',
      security,
      requestBody: { required: true, content: { 'application/json': { schema: obj({ id: str, quotas: ref('QuotaOverride'), weight: { type: 'number' }, corsOrigins }, ['id']) } } },
      responses: { 201: json(obj({ id: str, key: str }), 'Created'), 400: error('Bad input (9000), naming the field'), 409: error('The id is taken (code 1017)'), ...adminErrors },
    },
  },
  '/admin/keys/{id}': {
    ...adminGet('getKey', 'One key with its current windows', { allOf: [ref('ApiKey'), obj({ windows: { type: 'array', items: ref('QuotaWindow') } })] }, { parameters: [keyIdParam] }),
    patch: {
      operationId: 'changeKey',
      tags: ['admin'],
      summary: 'Change quotas (null drops the override), policy, weight or browser origins (null drops them)',
      security,
      parameters: [keyIdParam],
      requestBody: {
        required: true,
        content: { 'application/json': { schema: obj({ quotas: { oneOf: [ref('QuotaOverride'), { type: 'null' }] }, policy: { enum: ['all', 'any'] }, weight: { type: 'number' }, corsOrigins: { oneOf: [corsOrigins, { type: 'null' }] } }, []) } },
      },
      responses: { 200: json(ref('ApiKey'), 'Changed'), 400: error('Bad input (9000), naming the field'), 409: error('Config keys are read-only (code 1018)'), ...adminErrors },
    },
    delete: {
      operationId: 'revokeKey',
      tags: ['admin'],
      summary: 'Revoke a key (every instance within seconds)',
      security,
      parameters: [keyIdParam],
      responses: { 200: json(obj({ id: str, revoked: { const: true } }), 'Revoked'), 409: error('Config keys are read-only (code 1018)'), ...adminErrors },
    },
  },
  '/admin/keys/{id}/reset': {
    post: {
      operationId: 'resetKey',
      tags: ['admin'],
      summary: "Clear a key's counters",
      security,
      parameters: [keyIdParam],
      responses: { 200: json(obj({ id: str, reset: { const: true }, windows: { type: 'array', items: ref('QuotaWindow') } }), 'Reset'), ...adminErrors },
    },
  },
  '/admin/usage': adminGet('getUsage', "Every key's windows and the busiest client IPs", ref('Usage')),
  '/admin/lanes': adminGet('listLanes', "Each lane's upstream budget", obj({ lanes: { type: 'array', items: ref('Lane') } })),
  '/admin/jobs': adminGet('listJobs', 'Queue statistics and jobs, newest first', obj({ stats: ref('QueueStats'), jobs: { type: 'array', items: ref('AdminJob') } }), {
    parameters: [
      { name: 'status', in: 'query', schema: { enum: ['queued', 'active', 'done', 'failed'] } },
      { name: 'key', in: 'query', schema: str, description: 'Only this key id' },
      { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 50 } },
    ],
  }),
  '/admin/jobs/release-held': {
    post: {
      operationId: 'releaseHeldJobs',
      tags: ['admin'],
      summary: 'Send the jobs held because they were accepted for another upstream to the configured one',
      security,
      responses: { 200: json(obj({ released: int, upstream: str }), 'How many were released, and where they go'), ...adminErrors },
    },
  },
  '/admin/jobs/{id}': adminGet('getAdminJob', 'One job', ref('AdminJob'), { parameters: [idParam('Job id')] }),
  '/admin/overview': adminGet('getOverview', 'Everything the dashboard shows, in one answer', {
    allOf: [
      ref('Usage'),
      obj({
        now: epochMs,
        lanes: { type: 'array', items: ref('Lane') },
        queue: ref('QueueStats'),
        failures: { type: 'array', items: ref('AdminJob') },
        uploads: { type: 'object', additionalProperties: int, description: 'Upload requests by outcome, counted by every instance on the store' },
        upstream: { type: 'object', additionalProperties: int, description: 'Upstream answers by HTTP status, counted by every instance on the store' },
      }),
    ],
  }),
};
