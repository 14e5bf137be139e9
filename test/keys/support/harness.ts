import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configSchema, type Config, type ConfigInput } from '../../../src/config/schema.js';
import { createKeyRegistry, type KeyRegistryOptions } from '../../../src/keys/registry.js';
import type { KeyRegistry } from '../../../src/keys/types.js';
import { openBackend, type StoreBackend } from '../../../src/store/backend.js';
import { redisUrl, removePrefix, testPrefix } from '../../support/redis.js';

export const storeKinds = ['redis', 'memory'] as const;
export type StoreKind = (typeof storeKinds)[number];

export const staticKeys: ConfigInput['keys'] = [
  { id: 'app1', key: 'k_app1_secret', quotas: { policy: 'any', perKey: [{ limit: 500, window: '1d' }] } },
];

export interface KeyHarness {
  config: Config;
  backend: StoreBackend;
  registry: KeyRegistry;
  /** Another registry on the same store, as a second gateway instance (Redis) or a restart (embedded). */
  openRegistry(options?: KeyRegistryOptions): Promise<KeyRegistry>;
  close(): Promise<void>;
}

export async function openKeyHarness(kind: StoreKind, options: KeyRegistryOptions = {}, input: ConfigInput = {}): Promise<KeyHarness> {
  const spoolDir = await mkdtemp(join(tmpdir(), 'upgate-keys-'));
  const prefix = testPrefix();
  const config = configSchema.parse({ keys: staticKeys, ...input, store: { spoolDir, prefix, redisUrl: kind === 'redis' ? redisUrl() : null } });
  const backend = await openBackend(config);
  const registries: KeyRegistry[] = [];
  const openRegistry = async (registryOptions: KeyRegistryOptions = options) => {
    const registry = await createKeyRegistry(config, backend, registryOptions);
    registries.push(registry);
    return registry;
  };
  return {
    config,
    backend,
    registry: await openRegistry(),
    openRegistry,
    async close() {
      await Promise.all(registries.map((registry) => registry.close()));
      if (backend.kind === 'redis') await removePrefix(backend.redis, prefix);
      await backend.close();
      await rm(spoolDir, { recursive: true, force: true });
    },
  };
}
