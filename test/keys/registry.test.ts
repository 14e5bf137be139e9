import { afterEach, describe, expect, it } from 'vitest';
import { openKeyHarness, storeKinds, type KeyHarness } from './support/harness.js';

describe.each(storeKinds)('key registry (%s store)', (kind) => {
  let harness: KeyHarness;
  afterEach(() => harness.close());

  it('recognises a static key from the config, with its quota override, and nothing else', async () => {
    harness = await openKeyHarness(kind);
    const record = await harness.registry.authenticate('k_app1_secret');
    expect(record).toMatchObject({ id: 'app1', source: 'config', weight: 1, quotas: { policy: 'any', perKey: [{ limit: 500, window: 86_400_000 }] } });
    expect(await harness.registry.authenticate('k_app1_secreT')).toBeUndefined();
  });

  it('creates keys whose secret is shown once and works at once', async () => {
    harness = await openKeyHarness(kind);
    const { record, secret } = await harness.registry.create({ id: 'mobile', weight: 2, quotas: { perIp: [{ limit: 5, window: 60_000 }] } });
    expect(secret).toMatch(/^ug_[A-Za-z0-9_-]{43}$/);
    expect(record).toMatchObject({ id: 'mobile', weight: 2, source: 'store' });
    expect(await harness.registry.authenticate(secret)).toEqual(record);
    expect(await harness.registry.get('mobile')).toEqual(record);
    expect((await harness.registry.list()).map((key) => key.id)).toEqual(['app1', 'mobile']);
  });

  it('refuses a second key with a taken id, static or stored', async () => {
    harness = await openKeyHarness(kind);
    await harness.registry.create({ id: 'dup' });
    await expect(harness.registry.create({ id: 'dup' })).rejects.toMatchObject({ kind: 'keyExists', status: 409 });
    await expect(harness.registry.create({ id: 'app1' })).rejects.toMatchObject({ kind: 'keyExists' });
  });

  it('changes and revokes stored keys, effective at once on the same instance', async () => {
    harness = await openKeyHarness(kind);
    const { secret } = await harness.registry.create({ id: 'web', quotas: { policy: 'any' } });
    await harness.registry.authenticate(secret);
    expect(await harness.registry.update('web', { weight: 3, quotas: null })).toMatchObject({ id: 'web', weight: 3 });
    const changed = await harness.registry.authenticate(secret);
    expect(changed?.weight).toBe(3);
    expect(changed?.quotas).toBeUndefined();

    expect(await harness.registry.revoke('web')).toBe(true);
    expect(await harness.registry.authenticate(secret)).toBeUndefined();
    expect(await harness.registry.get('web')).toMatchObject({ revoked: true });
    expect(await harness.registry.revoke('web')).toBe(false);
    expect(await harness.registry.update('missing', { weight: 2 })).toBeUndefined();
  });

  it('keeps config keys read-only at run time', async () => {
    harness = await openKeyHarness(kind);
    await expect(harness.registry.revoke('app1')).rejects.toMatchObject({ kind: 'keyReadOnly' });
    await expect(harness.registry.update('app1', { weight: 5 })).rejects.toMatchObject({ kind: 'keyReadOnly' });
  });

  it('keeps stored keys for the next instance or restart', async () => {
    harness = await openKeyHarness(kind);
    const { record, secret } = await harness.registry.create({ id: 'kept' });
    const next = await harness.openRegistry();
    expect(await next.authenticate(secret)).toEqual(record);
  });
});
