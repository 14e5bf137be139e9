import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, startTestGateway, upload, type TestGateway } from './test-gateway.js';

const credits = (target: TestGateway, key: string) => fetch(`${target.url}/3/credits`, { headers: { authorization: `Client-ID ${key}` } });

describe('admin API: keys', () => {
  let target: TestGateway;
  beforeAll(async () => {
    target = await startTestGateway();
  });
  afterAll(async () => {
    await target?.close();
  });

  it('creates a key whose secret is shown once and works for clients at once', async () => {
    const created = await admin(target, 'POST', '/admin/keys', { id: 'fresh', weight: 2, quotas: { perKey: [{ limit: 7, window: '1h' }] } });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: 'fresh', key: expect.any(String) });
    expect((await credits(target, created.body.key)).status).toBe(200);

    const shown = await admin(target, 'GET', '/admin/keys/fresh');
    expect(shown.status).toBe(200);
    expect(JSON.stringify(shown.body)).not.toContain(created.body.key);
    expect(shown.body).toMatchObject({ id: 'fresh', weight: 2, source: 'store', policy: 'all' });
    expect(shown.body.windows.find((w: { scope: string }) => w.scope === 'key')).toMatchObject({ limit: 7, used: 0 });
  });

  it('refuses a duplicate id with 409', async () => {
    await admin(target, 'POST', '/admin/keys', { id: 'twice' });
    const again = await admin(target, 'POST', '/admin/keys', { id: 'twice' });
    expect(again.status).toBe(409);
    expect(again.body.data.code).toBe(1017);
    expect((await admin(target, 'POST', '/admin/keys', { id: 'app1' })).status).toBe(409);
  });

  it('answers 400 code 9000 naming the bad field', async () => {
    const cases: Array<[unknown, string]> = [
      [{ id: 'has space' }, 'id'],
      [{ id: 'ok', weight: -1 }, 'weight'],
      [{ id: 'ok', quotas: { perKey: [{ limit: 5, window: 'soon' }] } }, 'quotas.perKey.0.window'],
      [{ id: 'ok', colour: 'blue' }, 'colour'],
    ];
    for (const [body, field] of cases) {
      const answer = await admin(target, 'POST', '/admin/keys', body);
      expect(answer.status).toBe(400);
      expect(answer.body.data.code).toBe(9000);
      expect(answer.body.data.error).toContain(field);
    }
  });

  it('lists active keys without secrets', async () => {
    const created = await admin(target, 'POST', '/admin/keys', { id: 'listed' });
    const list = await admin(target, 'GET', '/admin/keys');
    expect(list.status).toBe(200);
    const ids = list.body.keys.map((key: { id: string }) => key.id);
    expect(ids).toEqual(expect.arrayContaining(['app1', 'listed']));
    expect(JSON.stringify(list.body)).not.toContain(created.body.key);
    expect(JSON.stringify(list.body)).not.toContain(target.appKey);
  });

  it('changes limits, policy and weight', async () => {
    await admin(target, 'POST', '/admin/keys', { id: 'tuned' });
    const changed = await admin(target, 'PATCH', '/admin/keys/tuned', { quotas: { perKey: [{ limit: 3, window: '1m' }] }, weight: 5 });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ id: 'tuned', weight: 5 });
    const policy = await admin(target, 'PATCH', '/admin/keys/tuned', { policy: 'any' });
    expect(policy.body.policy).toBe('any');
    const shown = await admin(target, 'GET', '/admin/keys/tuned');
    expect(shown.body).toMatchObject({ weight: 5, policy: 'any' });
    expect(shown.body.windows.find((w: { scope: string }) => w.scope === 'key')).toMatchObject({ limit: 3, windowMs: 60_000 });
    expect((await admin(target, 'PATCH', '/admin/keys/tuned', {})).status).toBe(400);
  });

  it('keeps config keys read-only and answers 404 for unknown ids', async () => {
    expect((await admin(target, 'PATCH', '/admin/keys/app1', { weight: 3 })).status).toBe(409);
    expect((await admin(target, 'DELETE', '/admin/keys/app1')).status).toBe(409);
    expect((await admin(target, 'GET', '/admin/keys/nobody')).status).toBe(404);
    expect((await admin(target, 'DELETE', '/admin/keys/nobody')).status).toBe(404);
  });

  it('revokes a key: clients using it get 403 and it leaves the list', async () => {
    const created = await admin(target, 'POST', '/admin/keys', { id: 'doomed' });
    expect((await credits(target, created.body.key)).status).toBe(200);
    const revoked = await admin(target, 'DELETE', '/admin/keys/doomed');
    expect(revoked).toMatchObject({ status: 200, body: { id: 'doomed', revoked: true } });
    expect((await credits(target, created.body.key)).status).toBe(403);
    const list = await admin(target, 'GET', '/admin/keys');
    expect(list.body.keys.map((key: { id: string }) => key.id)).not.toContain('doomed');
  });

  it("resets a key's counters", async () => {
    const created = await admin(target, 'POST', '/admin/keys', { id: 'counted' });
    expect((await upload(target.url, { authorization: `Client-ID ${created.body.key}` })).status).toBe(200);
    const before = await admin(target, 'GET', '/admin/keys/counted');
    expect(before.body.windows.find((w: { scope: string }) => w.scope === 'key').used).toBe(1);
    const reset = await admin(target, 'POST', '/admin/keys/counted/reset');
    expect(reset.status).toBe(200);
    expect(reset.body.windows.find((w: { scope: string }) => w.scope === 'key').used).toBe(0);
  });
});
