import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { startSimulator, type Simulator } from '../../src/simulator/server.js';
import { postUpload } from './post-upload.js';

let simulator: Simulator;

beforeAll(async () => {
  simulator = await startSimulator();
});

afterAll(async () => {
  await simulator.close();
});

beforeEach(async () => {
  await control('/_sim/reset');
});

async function control(path: string, body?: unknown): Promise<number> {
  const answer = await request(`${simulator.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body === undefined ? '' : JSON.stringify(body) });
  await answer.body.dump();
  return answer.statusCode;
}

describe('fault injection', () => {
  it('answers the next uploads with the requested error bodies, in order, then uploads normally', async () => {
    expect(
      await control('/_sim/faults', {
        next: [
          { kind: 'status', status: 500, body: 'json', message: 'Upstream broke' },
          { kind: 'status', status: 502, body: 'html' },
          { kind: 'status', status: 400, body: 'errors-array', message: 'Bad image' },
          { kind: 'status', status: 403, body: 'data-error-object', message: 'Permission denied' },
          { kind: 'status', status: 503, body: 'error-string', message: 'Over capacity' },
          { kind: 'status', status: 504, body: 'empty' },
        ],
      }),
    ).toBe(204);
    const answers = [];
    for (let i = 0; i < 7; i++) answers.push(await postUpload(simulator.url));
    expect(answers.map((answer) => answer.status)).toEqual([500, 502, 400, 403, 503, 504, 200]);
    expect(answers[0]!.json.data.error).toBe('Upstream broke');
    expect(answers[1]!.headers['content-type']).toContain('text/html');
    expect(answers[1]!.text).toContain('<title>502 Bad Gateway</title>');
    expect(answers[2]!.json.errors[0].detail).toBe('Bad image');
    expect(answers[3]!.json.data.error).toMatchObject({ message: 'Permission denied', code: 403 });
    expect(answers[4]!.json).toEqual({ error: 'Over capacity' });
    expect(answers[5]!.text).toBe('');
    expect(simulator.stats()).toMatchObject({ uploads: 1, faults: 6, pendingFaults: 0 });
  });

  it('resets the connection without an answer', async () => {
    await control('/_sim/faults', { next: [{ kind: 'reset' }] });
    await expect(postUpload(simulator.url)).rejects.toMatchObject({ code: expect.stringMatching(/UND_ERR_SOCKET|ECONNRESET/) });
    expect(simulator.stats().uploads).toBe(0);
  });

  it('answers 429 as JSON or HTML, with or without Retry-After, without counting the upload', async () => {
    await control('/_sim/faults', { next: [{ kind: 'rate-limit' }, { kind: 'rate-limit', html: true, retryAfter: false }, { kind: 'rate-limit', retryAfter: 7 }] });
    const json = await postUpload(simulator.url);
    expect(json.status).toBe(429);
    expect(json.headers['retry-after']).toBe('1');
    const html = await postUpload(simulator.url);
    expect(html.status).toBe(429);
    expect(html.headers['retry-after']).toBeUndefined();
    expect(html.text).toContain('<h1>Too Many Requests</h1>');
    expect((await postUpload(simulator.url)).headers['retry-after']).toBe('7');
    expect(simulator.stats()).toMatchObject({ uploads: 0, rateLimited: 3 });
  });

  it('applies a fault only to the upload it targets, matched by client id and source address', async () => {
    await control('/_sim/faults', { next: [{ kind: 'status', status: 500, clientId: 'slow-lane', ip: '127.0.0.3' }] });
    expect((await postUpload(simulator.url, { authorization: 'Client-ID slow-lane', localAddress: '127.0.0.2' })).status).toBe(200);
    expect((await postUpload(simulator.url, { authorization: 'Client-ID other', localAddress: '127.0.0.3' })).status).toBe(200);
    expect((await postUpload(simulator.url, { authorization: 'Client-ID slow-lane', localAddress: '127.0.0.3' })).status).toBe(500);
  });

  it('holds the answer for the injected latency', async () => {
    await control('/_sim/faults', { next: [{ kind: 'latency', ms: 300 }] });
    const started = Date.now();
    const answer = await postUpload(simulator.url);
    expect(answer.status).toBe(200);
    // A lower bound only: a slow machine may take longer, never less.
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('refuses a malformed fault request', async () => {
    expect(await control('/_sim/faults', { next: [{ kind: 'explode' }] })).toBe(400);
  });
});
