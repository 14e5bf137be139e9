import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../ops/test-gateway.js';
import { png1x1 } from '../support/images.js';

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/** One request on its own connection, written as is: fetch cannot send an absolute-form target. */
function rawRequest(url: string, target: string, headers: Record<string, string>, body: Buffer): Promise<RawAnswer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [head, ...rest] = text.split('\r\n\r\n');
      const [statusLine, ...lines] = head!.split('\r\n');
      const answerHeaders = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
      resolve({ status: Number(statusLine!.split(' ')[1]), headers: answerHeaders, body: JSON.parse(rest.join('\r\n\r\n')) });
    });
    const lines = [`POST ${target} HTTP/1.1`, `Host: ${hostname}:${port}`, 'Connection: close', `Content-Length: ${body.length}`, ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`)];
    socket.write(Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`), body]));
  });
}

/** What must not differ between the two paths: everything but values that change per request. */
function shape(answer: RawAnswer) {
  const perRequest = new Set(['date', 'x-request-id', 'content-length', 'ratelimit', 'x-ratelimit-clientremaining', 'x-ratelimit-userremaining']);
  const headers = Object.fromEntries(Object.entries(answer.headers).filter(([name]) => !perRequest.has(name)));
  const data = (answer.body as { data?: Record<string, unknown> }).data ?? {};
  return { status: answer.status, headers, headerNames: Object.keys(answer.headers).sort(), dataFields: Object.keys(data).sort(), error: data.error };
}

describe('the upload fast path', () => {
  let target: TestGateway;
  beforeAll(async () => {
    target = await startTestGateway();
  });
  afterAll(async () => {
    await target?.close();
  });

  // An absolute-form target (`POST http://host/3/image`) is left to Express, which mounts the same handlers.
  const both = (headers: Record<string, string>, body: Buffer) =>
    Promise.all([rawRequest(target.url, '/3/image', headers, body), rawRequest(target.url, `${target.url}/3/image`, headers, body)]);

  it('answers an upload as Express does: same status, headers and fields', async () => {
    const headers = { authorization: `Client-ID ${target.appKey}`, 'content-type': 'image/png', origin: 'https://app.example' };
    const [fast, routed] = await both(headers, png1x1);
    expect(fast.status).toBe(200);
    expect(fast.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(fast.headers['x-ratelimit-clientlimit']).toBe('20');
    expect(shape(fast)).toEqual(shape(routed));
  });

  it('answers a handler error (no key) and a refusal from a query key as Express does', async () => {
    const [fastNoKey, routedNoKey] = await both({ 'content-type': 'image/png' }, png1x1);
    expect(fastNoKey.status).toBe(401);
    expect(shape(fastNoKey)).toEqual(shape(routedNoKey));

    const [fastBadKey, routedBadKey] = await Promise.all([
      rawRequest(target.url, '/3/image.json?key=k_nobody', { 'content-type': 'image/png' }, png1x1),
      rawRequest(target.url, `${target.url}/3/image.json?key=k_nobody`, { 'content-type': 'image/png' }, png1x1),
    ]);
    expect(fastBadKey.status).toBe(403);
    expect(shape(fastBadKey)).toEqual(shape(routedBadKey));
  });
});
