import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from './test-gateway.js';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');

interface LintReport {
  totals: { errors: number; warnings: number };
  problems: Array<{ ruleId: string; severity: string; message: string; location: Array<{ pointer: string }> }>;
}

/** Redocly's linter over the document as the gateway serves it, with the repository's redocly.yaml. */
async function lint(document: unknown): Promise<LintReport> {
  const dir = await mkdtemp(join(tmpdir(), 'upgate-openapi-'));
  try {
    const file = join(dir, 'openapi.json');
    await writeFile(file, JSON.stringify(document));
    const command = join(root, 'node_modules/.bin/redocly');
    const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' };
    // It exits 1 when it finds errors; the JSON report is on stdout either way.
    const { stdout } = await run(command, ['lint', file, '--format=json', '--config', join(root, 'redocly.yaml')], { cwd: root, env }).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }));
    return JSON.parse(stdout.slice(stdout.indexOf('{'))) as LintReport;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('the served OpenAPI document', () => {
  let target: TestGateway;
  let document: any;
  beforeAll(async () => {
    target = await startTestGateway();
    document = await (await fetch(`${target.url}/openapi.json`)).json();
  });
  afterAll(async () => {
    await target?.close();
  });

  it('passes @redocly/cli lint with no error and no warning', async () => {
    const report = await lint(document);
    const problems = report.problems.map((problem) => `${problem.severity} ${problem.ruleId} at ${problem.location[0]?.pointer}: ${problem.message}`);
    expect(problems).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
  });

  it('names a server, marks public routes as needing no credentials, and gives every operation an id', () => {
    expect(document.servers.length).toBeGreaterThan(0);
    for (const path of ['/healthz', '/readyz', '/metrics', '/openapi.json', '/dashboard']) expect(document.paths[path].get.security).toEqual([]);
    const ids = Object.values(document.paths).flatMap((item: any) => Object.values(item).map((operation: any) => operation.operationId));
    expect(ids.every((id) => typeof id === 'string')).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('describes the contract: quota headers on 200s, Retry-After on 429 and 503, every body form, 401/403 on jobs', () => {
    const upload = document.paths['/3/image'].post;
    for (const status of ['200', '202', '403', '429']) {
      expect(Object.keys(upload.responses[status].headers)).toEqual(expect.arrayContaining(['RateLimit', 'RateLimit-Policy', 'X-RateLimit-ClientRemaining', 'X-RateLimit-UserRemaining']));
    }
    expect(upload.responses['503'].headers['Retry-After']).toBeDefined();
    expect(upload.responses['429'].headers['Retry-After']).toBeDefined();
    expect(upload.responses['202'].headers.Location).toBeDefined();
    const content = upload.requestBody.content;
    expect(Object.keys(content)).toEqual(expect.arrayContaining(['multipart/form-data', 'application/x-www-form-urlencoded', 'application/json', 'image/*', 'application/octet-stream']));
    expect(content['image/*'].schema.format).toBe('binary');
    const multipart = content['multipart/form-data'].schema.properties;
    expect(multipart.image.anyOf).toContainEqual(expect.objectContaining({ format: 'binary' }));
    expect(multipart.video).toBeDefined();
    expect(multipart.callback_url).toBeDefined();
    expect(content['application/json'].schema.properties.callback_url).toBeDefined();
    const job = document.paths['/3/jobs/{id}'].get.responses;
    expect(Object.keys(job)).toEqual(expect.arrayContaining(['200', '401', '403', '404']));
    expect(Object.keys(document.paths['/3/credits'].get.responses['200'].headers)).toContain('RateLimit');
  });
});
