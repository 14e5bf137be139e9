/**
 * OpenAPI paths of the operator routes (src/http/admin/operator-routes.ts) and of the usage history
 * (usage-history-routes.ts), merged into the document in openapi.ts.
 */

type Schema = Record<string, unknown>;
const json = (schema: Schema, description: string) => ({ description, content: { 'application/json': { schema } } });
const v3Error = (description: string) => json({ $ref: '#/components/schemas/V3Error' }, description);
const errors = { 401: v3Error('Missing or wrong admin token (code 1016)'), 404: v3Error('No such lane or job, or the admin API is disabled') };
const security = [{ adminToken: [] }];
const id = (what: string) => ({ name: 'id', in: 'path', required: true, schema: { type: 'string' }, description: what });

const holds: Schema = {
  type: 'object',
  required: ['paused', 'heldLanes'],
  properties: {
    paused: { type: 'boolean', description: 'The whole queue is held: nothing is dispatched' },
    heldLanes: { type: 'object', additionalProperties: { type: ['integer', 'null'] }, description: 'Held lanes → epoch ms the hold ends (null: until resumed)' },
  },
};

const action = (operationId: string, summary: string, answer: Schema, extra: Record<string, unknown> = {}, status = 200) => ({
  post: { operationId, tags: ['admin'], summary, security, ...extra, responses: { [status]: json(answer, summary), ...errors } },
});
const job = { $ref: '#/components/schemas/AdminJob' };
const conflict = { 409: v3Error('The job is not in a state that allows this (code 1023)') };

export const operatorPaths = {
  '/admin/queue': { get: { operationId: 'getQueueHolds', tags: ['admin'], summary: 'What the operator holds: the queue, lanes', security, responses: { 200: json(holds, 'Holds'), ...errors } } },
  '/admin/queue/pause': action('pauseQueue', 'Hold the queue on every instance (uploads are still accepted and queued)', holds),
  '/admin/queue/resume': action('resumeQueue', 'Release the queue', holds),
  '/admin/lanes/{id}/pause': action('pauseLane', 'Hold one lane, for a while or until resumed', holds, {
    parameters: [id('Lane id')],
    requestBody: { required: false, content: { 'application/json': { schema: { type: 'object', properties: { for: { type: 'string', examples: ['10m'] } } } } } },
  }),
  '/admin/lanes/{id}/resume': action('resumeLane', "End an operator's hold and an upstream 429 pause of the lane", holds, { parameters: [id('Lane id')] }),
  '/admin/lanes/{id}/reset': action('resetLane', "Forget what the lane used in its windows", { type: 'object', properties: { lane: { $ref: '#/components/schemas/Lane' } } }, { parameters: [id('Lane id')] }),
  '/admin/jobs/purge': action('purgeFailedJobs', 'Forget every failed job now', { type: 'object', required: ['purged'], properties: { purged: { type: 'integer' } } }),
  '/admin/jobs/{id}/cancel': { post: { ...action('cancelJob', 'Cancel a queued or active job (it fails with 1022)', job, { parameters: [id('Job id')] }).post, responses: { 200: json(job, 'Cancelled'), ...conflict, ...errors } } },
  '/admin/jobs/{id}/retry': { post: { ...action('retryJob', "Send a failed job's upload again, as a new job", job, { parameters: [id('Failed job id')] }, 201).post, responses: { 201: json(job, 'The new job'), ...conflict, ...errors } } },
  '/admin/usage/history': {
    get: {
      operationId: 'getUsageHistory',
      tags: ['admin'],
      summary: 'Per-minute usage of the gateway, one key or one lane',
      security,
      parameters: [
        { name: 'key', in: 'query', schema: { type: 'string' }, description: 'A key id' },
        { name: 'lane', in: 'query', schema: { type: 'string' }, description: 'A lane id' },
        { name: 'since', in: 'query', schema: { type: 'string', examples: ['1h', '2026-01-01T00:00:00Z'] }, description: 'ISO time, epoch ms or a duration back from now (default 1h)' },
        { name: 'until', in: 'query', schema: { type: 'string' }, description: 'Same forms (default now)' },
      ],
      responses: {
        200: json(
          {
            type: 'object',
            required: ['since', 'until', 'stepMs', 'series', 'codes'],
            properties: {
              since: { type: 'integer' },
              until: { type: 'integer' },
              stepMs: { type: 'integer', const: 60000 },
              series: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    subject: { type: 'string', examples: ['all', 'key:shop', 'lane:lane1'] },
                    buckets: { type: 'array', items: { type: 'object', properties: { t: { type: 'integer' }, counters: { type: 'object', additionalProperties: { type: 'integer' } } } } },
                    totals: { type: 'object', additionalProperties: { type: 'integer' } },
                  },
                },
              },
              codes: { type: 'object', additionalProperties: { type: 'string' }, description: 'Error code → message' },
            },
          },
          'History',
        ),
        400: v3Error('Bad query (code 9000)'),
        ...errors,
      },
    },
  },
};
