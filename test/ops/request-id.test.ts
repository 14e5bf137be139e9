import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/ops/logger.js';
import { startTestGateway, type TestGateway } from './test-gateway.js';

describe('request ids', () => {
  const lines: string[] = [];
  let target: TestGateway;
  beforeAll(async () => {
    target = await startTestGateway({ logger: createLogger('info', { write: (line: string) => void lines.push(line) }) });
  });
  afterAll(async () => {
    await target?.close();
  });

  /** The request's log line; it is written when the answer is finished, which may be just after the client has it. */
  async function logged(requestId: string) {
    const deadline = Date.now() + 5_000;
    for (;;) {
      const entry = lines.map((line) => JSON.parse(line)).find((line) => line.msg === 'request' && line.requestId === requestId);
      if (entry || Date.now() > deadline) return entry;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  it('keeps a valid incoming X-Request-Id, returns it and logs the request under it', async () => {
    const response = await fetch(`${target.url}/openapi.json`, { headers: { 'x-request-id': 'trace-abc.123' } });
    expect(response.headers.get('x-request-id')).toBe('trace-abc.123');
    await response.arrayBuffer();
    const entry = await logged('trace-abc.123');
    expect(entry).toMatchObject({ method: 'GET', path: '/openapi.json', status: 200, durationMs: expect.any(Number) });
  });

  it('replaces a missing or unsafe id with a fresh one', async () => {
    const plain = await fetch(`${target.url}/healthz`);
    const unsafe = await fetch(`${target.url}/healthz`, { headers: { 'x-request-id': 'evil id\twith spaces' } });
    const ids = [plain.headers.get('x-request-id'), unsafe.headers.get('x-request-id')];
    for (const id of ids) expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(ids[0]).not.toBe(ids[1]);
  });

  it('logs the path without its query string', async () => {
    const response = await fetch(`${target.url}/3/credits?key=not-a-real-key-zzz`, { headers: { 'x-request-id': 'query-check' } });
    await response.arrayBuffer();
    expect(await logged('query-check')).toMatchObject({ path: '/3/credits', status: 403 });
  });
});
