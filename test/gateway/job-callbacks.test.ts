import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisUrl } from '../support/redis.js';
import { spawnSimulator, type SpawnedSimulator } from '../support/simulator.js';
import { appKey, startFixtureGateway, uniquePng } from './gateway-fixture.js';

const secret = 'callback-test-secret';
const adminToken = 'callback-test-admin-token';

describe('callback_url', () => {
  let simulator: SpawnedSimulator;
  let receiver: Server;
  let receiverUrl: string;
  const delivered: Array<{ body: string; signature: string | undefined }> = [];
  let fixture: Awaited<ReturnType<typeof startFixtureGateway>>;

  beforeAll(async () => {
    simulator = await spawnSimulator();
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk));
      req.on('end', () => {
        delivered.push({ body, signature: req.headers['x-upgate-signature'] as string | undefined });
        res.end();
      });
    }).listen(0, '127.0.0.1');
    await once(receiver, 'listening');
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/upload`;
    fixture = await startFixtureGateway({
      redisUrl: redisUrl(),
      admin: { token: adminToken },
      queue: { callbacks: { allow: ['127.0.0.1'], secret } },
      upstream: { url: simulator.url, lanes: [{ id: 'lane1', clientId: 'sim-client' }] },
    });
  });

  afterAll(async () => {
    await fixture.close();
    await simulator.stop();
    receiver.close();
  });

  function uploadWithCallback(callbackUrl: string, key = appKey) {
    const form = new FormData();
    form.append('image', new Blob([uniquePng()], { type: 'image/png' }), 'pixel.png');
    form.append('callback_url', callbackUrl);
    return fetch(`${fixture.gateway.url}/3/image`, { method: 'POST', headers: { 'x-api-key': key, prefer: 'respond-async' }, body: form });
  }

  const adminPost = (path: string) => fetch(`${fixture.gateway.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${adminToken}` } });

  /** The callbacks received for one job, once at least one has arrived. */
  async function deliveriesOf(jobId: string) {
    const of = () => delivered.filter(({ body }) => (JSON.parse(body) as { id: string }).id === jobId);
    for (let attempt = 0; attempt < 200 && of().length === 0; attempt++) await new Promise((resolve) => setTimeout(resolve, 25));
    return of();
  }

  it('POSTs the finished job to the callback, signed with HMAC-SHA256 of the body', async () => {
    const accepted = await uploadWithCallback(receiverUrl);
    expect(accepted.status).toBe(202);
    const jobId = (await accepted.json()).data.id;
    const received = await deliveriesOf(jobId);
    expect(received).toHaveLength(1);
    const [{ body, signature }] = received as [{ body: string; signature: string }];
    expect(signature).toBe(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
    expect(JSON.parse(body)).toMatchObject({ id: jobId, status: 'done', data: { type: 'image/png' } });
  });

  it('POSTs a job an operator cancelled as failed with 1022, signed like every other end', async () => {
    expect((await adminPost('/admin/queue/pause')).status).toBe(200);
    try {
      const accepted = await uploadWithCallback(receiverUrl);
      expect(accepted.status).toBe(202);
      const jobId = (await accepted.json()).data.id;
      expect((await adminPost(`/admin/jobs/${jobId}/cancel`)).status).toBe(200);
      const received = await deliveriesOf(jobId);
      expect(received).toHaveLength(1);
      const [{ body, signature }] = received as [{ body: string; signature: string }];
      expect(signature).toBe(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
      expect(JSON.parse(body)).toEqual({ id: jobId, status: 'failed', error: { kind: 'jobCancelled', code: 1022, status: 410, message: 'Cancelled by an operator' } });
    } finally {
      await adminPost('/admin/queue/resume');
    }
  });

  it('refuses a callback into a private range at once with 400/1011, charging nothing', async () => {
    const before = await (await fetch(`${fixture.gateway.url}/3/credits`, { headers: { 'x-api-key': appKey } })).json();
    const refused = await uploadWithCallback('http://10.1.2.3/hook');
    expect(refused.status).toBe(400);
    expect((await refused.json()).data).toMatchObject({ code: 1011 });
    const after = await (await fetch(`${fixture.gateway.url}/3/credits`, { headers: { 'x-api-key': appKey } })).json();
    expect(after.data.ClientRemaining).toBe(before.data.ClientRemaining);
  });
});
