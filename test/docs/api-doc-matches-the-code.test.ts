import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { errorCatalogue } from '../../src/errors/catalogue.js';
import { openApiDocument } from '../../src/http/openapi.js';

/**
 * docs/api.md is written by hand for client developers; these keep it naming what the code does.
 * The OpenAPI document stands for the routes: test/ops/openapi-coverage.test.ts ties it to every
 * route the running app registers.
 */
const apiDoc = readFileSync('docs/api.md', 'utf8');

/** `METHOD /path` in code spans, with `:id` and `<id>` as OpenAPI writes them and the query left out. */
const documentedRoutes = new Set(
  [...apiDoc.matchAll(/`(GET|POST|PATCH|PUT|DELETE) (\/[^`?\s]*)[^`]*`/g)].map(([, method, path]) => `${method} ${path!.replace(/:(\w+)|<(\w+)>/g, (_all, colon, angle) => `{${colon ?? angle}}`)}`),
);
const servedRoutes = Object.entries(openApiDocument.paths as Record<string, Record<string, unknown>>).flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`));

describe('docs/api.md', () => {
  it('names every route the gateway serves, and none it does not', () => {
    // The dashboard's own assets are the page's business; `.json`/`.xml` variants go by their route's name ("also with `.json`").
    const expected = servedRoutes.filter((route) => !route.startsWith('GET /dashboard/'));
    const undocumented = expected.filter((route) => !documentedRoutes.has(route) && !documentedRoutes.has(route.replace(/\.(json|xml)$/, '')));
    expect(undocumented).toEqual([]);
    expect([...documentedRoutes].filter((route) => !servedRoutes.includes(route))).toEqual([]);
    expect(documentedRoutes.size).toBeGreaterThan(30);
  });

  it('lists every error code with each of its HTTP statuses, and no other', () => {
    const table = new Map([...apiDoc.matchAll(/^\| (\d{4}) \| ([\d /]+) \|/gm)].map(([, code, statuses]) => [Number(code), statuses!.split('/').map((status) => Number(status.trim())).sort((a, b) => a - b)]));
    const catalogued = new Map<number, number[]>();
    for (const { code, status } of Object.values(errorCatalogue)) catalogued.set(code, [...new Set([...(catalogued.get(code) ?? []), status])].sort((a, b) => a - b));
    expect(Object.fromEntries(table)).toEqual(Object.fromEntries(catalogued));
  });
});
