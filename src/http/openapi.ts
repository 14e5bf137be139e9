import { adminPaths } from './openapi-admin.js';
import { operatorPaths } from './openapi-operator.js';
import { publicPaths } from './openapi-public.js';
import { headers, schemas } from './openapi-schemas.js';

/**
 * The OpenAPI 3.1 description of every route, served at GET /openapi.json. Upload paths come from
 * the same list the app registers, so the two cannot drift; test/ops/openapi-coverage.test.ts walks
 * the running app's router and fails when a registered route is missing here, and
 * test/ops/openapi-lint.test.ts runs Redocly's linter on the served document.
 */
export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'upgate',
    version: '0.1.0',
    description: 'Rate-limit-aware upload gateway: Imgur-compatible uploads, combined per-key and per-IP quotas, upstream lane budgets and a durable fair queue. The client contract is docs/api.md in the repository.',
    license: { name: 'MIT', identifier: 'MIT' },
  },
  // Relative: the document describes whichever gateway serves it.
  servers: [{ url: '/', description: 'The gateway serving this document' }],
  tags: [
    { name: 'uploads', description: 'Imgur v3 uploads, credits and queued jobs' },
    { name: 'legacy uploads', description: 'The v1/v2 upload paths, answered in their own shapes' },
    { name: 'operations', description: 'Health, metrics, this document, the dashboard' },
    { name: 'admin', description: 'Keys, usage, lanes and the queue (admin token)' },
  ],
  components: {
    securitySchemes: {
      clientId: { type: 'apiKey', in: 'header', name: 'Authorization', description: '`Client-ID <gateway key>`' },
      apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
      keyQuery: { type: 'apiKey', in: 'query', name: 'key' },
      adminToken: { type: 'http', scheme: 'bearer', description: 'UPGATE_ADMIN_TOKEN' },
    },
    headers,
    schemas,
  },
  paths: { ...publicPaths, ...adminPaths, ...operatorPaths },
} as const;
