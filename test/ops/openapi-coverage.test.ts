import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiDocument } from '../../src/http/openapi.js';
import { startTestGateway, type TestGateway } from './test-gateway.js';

interface Layer {
  rawPath?: string | string[];
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

const join = (prefix: string, path: string) => (`${prefix}/${path}`.replace(/\/+/g, '/').replace(/(.)\/$/, '$1'));
const toOpenApi = (path: string) => path.replace(/:(\w+)/g, '{$1}');

/** Every (method, path) the running app registers, mounted routers included; a router with no routes of its own (static files) counts as GET on its mount path. */
function registered(stack: Layer[], prefix = ''): Array<[string, string]> {
  return stack.flatMap((layer): Array<[string, string]> => {
    if (layer.route) {
      const paths = [layer.route.path].flat();
      return paths.flatMap((path) => Object.keys(layer.route!.methods).map((method): [string, string] => [method, toOpenApi(join(prefix, path))]));
    }
    const inner = layer.handle?.stack;
    if (!inner) return [];
    const mount = join(prefix, [layer.rawPath ?? '/'].flat()[0] ?? '/');
    const routes = registered(inner, mount);
    return routes.length > 0 || mount === prefix ? routes : [['get', mount]];
  });
}

describe('the OpenAPI document', () => {
  let target: TestGateway;
  beforeAll(async () => {
    target = await startTestGateway();
  });
  afterAll(async () => {
    await target?.close();
  });

  it('describes every route the gateway registers, with its method', () => {
    const routes = registered((target.gateway.app as unknown as { router: { stack: Layer[] } }).router.stack);
    expect(routes.length).toBeGreaterThan(20);
    const paths = openApiDocument.paths as Record<string, Record<string, unknown>>;
    const missing = routes.filter(([method, path]) => !paths[path]?.[method]).map(([method, path]) => `${method.toUpperCase()} ${path}`);
    expect(missing).toEqual([]);
  });

  it('is served at /openapi.json as OpenAPI 3.1 with every referenced schema defined', async () => {
    const response = await fetch(`${target.url}/openapi.json`);
    expect(response.status).toBe(200);
    const served = (await response.json()) as typeof openApiDocument;
    expect(served.openapi).toBe('3.1.0');
    const refs = [...JSON.stringify(served).matchAll(/"\$ref":"#\/components\/schemas\/(\w+)"/g)].map((match) => match[1]!);
    expect(refs.length).toBeGreaterThan(0);
    for (const name of new Set(refs)) expect(Object.keys(served.components.schemas)).toContain(name);
  });
});
