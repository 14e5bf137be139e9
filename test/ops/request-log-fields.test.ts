import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/ops/logger.js';
import { admin, startTestGateway, upload, type TestGateway } from './test-gateway.js';

/** The request and dispatch lines name who, what and where: client IP, key, error code, job, lane and request id. */
describe('request and dispatch log lines', () => {
  const lines: Array<Record<string, any>> = [];
  let target: TestGateway;
  beforeAll(async () => {
    const sink = { write: (line: string) => void lines.push(JSON.parse(line)) };
    target = await startTestGateway({ logger: createLogger('debug', sink) });
  });
  afterAll(async () => {
    await target?.close();
  });

  /** The first line matching, waiting for it: lines are written when an answer is finished, maybe just after the client has it. */
  async function line(match: (entry: Record<string, any>) => boolean) {
    const deadline = Date.now() + 5_000;
    for (;;) {
      const entry = lines.find(match);
      if (entry || Date.now() > deadline) return entry;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  it('an upload logs client IP, key, job and lane; the dispatch line and the upstream call carry its request id', async () => {
    const answer = await upload(target.url, { 'x-api-key': target.appKey, 'x-request-id': 'trace-upload-1' });
    expect(answer.status).toBe(200);
    const request = await line((entry) => entry.msg === 'request' && entry.requestId === 'trace-upload-1');
    expect(request).toMatchObject({ level: 30, clientIp: '127.0.0.1', keyId: 'app1', lane: 'lane1', jobId: expect.any(String) });
    const dispatched = await line((entry) => entry.msg === 'dispatched' && entry.job === request!.jobId);
    expect(dispatched).toMatchObject({ requestId: 'trace-upload-1', keyId: 'app1', lane: 'lane1', outcome: 'ok', attempts: 1 });
    expect(target.simulator.stats().received.at(-1)).toMatchObject({ requestId: 'trace-upload-1' });
  });

  it('a refusal logs its error code and the client IP, at info', async () => {
    const answer = await upload(target.url, { 'x-api-key': 'not-a-key-at-all', 'x-request-id': 'trace-bad-key' });
    expect(answer.status).toBe(403);
    expect(await line((entry) => entry.requestId === 'trace-bad-key')).toMatchObject({ level: 30, status: 403, errorCode: 1004, clientIp: '127.0.0.1' });
  });

  it('health checks and the dashboard poll log at debug, other routes at info', async () => {
    await (await fetch(`${target.url}/healthz`, { headers: { 'x-request-id': 'trace-health' } })).arrayBuffer();
    await admin(target, 'GET', '/admin/overview');
    await (await fetch(`${target.url}/openapi.json`, { headers: { 'x-request-id': 'trace-openapi' } })).arrayBuffer();
    expect(await line((entry) => entry.requestId === 'trace-health')).toMatchObject({ level: 20, path: '/healthz' });
    expect(await line((entry) => entry.msg === 'request' && entry.path === '/admin/overview')).toMatchObject({ level: 20, status: 200 });
    expect(await line((entry) => entry.requestId === 'trace-openapi')).toMatchObject({ level: 30 });
  });
});
