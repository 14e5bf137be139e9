import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, startTestGateway, type TestGateway } from './test-gateway.js';

describe('admin API access', () => {
  let target: TestGateway;
  let disabled: TestGateway;
  beforeAll(async () => {
    [target, disabled] = await Promise.all([startTestGateway(), startTestGateway({ adminToken: null })]);
  });
  afterAll(async () => {
    await Promise.all([target?.close(), disabled?.close()]);
  });

  it('answers 401 code 1016 without a token', async () => {
    const response = await fetch(`${target.url}/admin/keys`);
    expect(response.status).toBe(401);
    expect(((await response.json()) as any).data.code).toBe(1016);
  });

  it('answers 401 code 1016 with a wrong token, even one sharing the real prefix', async () => {
    for (const token of ['wrong', `${target.adminToken}x`, target.adminToken.slice(0, -1)]) {
      const { status, body } = await admin(target, 'GET', '/admin/keys', undefined, token);
      expect(status).toBe(401);
      expect(body.data.code).toBe(1016);
    }
  });

  it('answers with the right token', async () => {
    const { status, body } = await admin(target, 'GET', '/admin/keys');
    expect(status).toBe(200);
    expect(body.keys.map((key: { id: string }) => key.id)).toContain('app1');
  });

  it('answers 404 "admin API disabled" on every admin route when no token is configured', async () => {
    for (const path of ['/admin/keys', '/admin/usage', '/admin/jobs']) {
      const response = await fetch(`${disabled.url}${path}`, { headers: { authorization: 'Bearer anything' } });
      expect(response.status).toBe(404);
      expect(((await response.json()) as any).data.error).toBe('admin API disabled');
    }
  });
});
