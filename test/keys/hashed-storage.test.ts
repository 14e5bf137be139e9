import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hashSecret } from '../../src/keys/secret.js';
import { openKeyHarness, type KeyHarness } from './support/harness.js';

describe('stored key secrets', () => {
  let harness: KeyHarness;
  afterEach(() => harness.close());

  it('never reach Redis in plain text: only their SHA-256 does', async () => {
    harness = await openKeyHarness('redis');
    const { secret } = await harness.registry.create({ id: 'hidden' });
    await harness.registry.authenticate(secret);
    if (harness.backend.kind !== 'redis') throw new Error('expected Redis');
    const redis = harness.backend.redis;
    const names = await redis.keys(`${harness.config.store.prefix}*`);
    expect(names.length).toBeGreaterThan(0);
    const contents = await Promise.all(names.map(async (name) => `${name} ${JSON.stringify(await redis.hgetall(name))}`));
    expect(contents.join('\n')).not.toContain(secret);
    expect(contents.join('\n')).toContain(hashSecret(secret));
  });

  it('never reach the embedded store’s keys.json in plain text', async () => {
    harness = await openKeyHarness('memory');
    const { secret } = await harness.registry.create({ id: 'hidden' });
    const saved = await readFile(join(harness.config.store.spoolDir, 'keys.json'), 'utf8');
    expect(saved).not.toContain(secret);
    expect(saved).toContain(hashSecret(secret));
  });
});
