import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfig } from '../../src/config/load.js';

const run = promisify(execFile);
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'upgate-config-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function configFile(yaml: string): Promise<string> {
  const path = join(dir, `${Math.random().toString(36).slice(2)}.yaml`);
  await writeFile(path, yaml);
  return path;
}

describe('config file and environment', () => {
  it('parses durations and sizes written as strings', async () => {
    const path = await configFile(`
server: { maxUploadBytes: 5MB, maxWait: 1500ms }
quotas: { perKey: [{ limit: 10, window: 10s }, { limit: 100, window: 1d }] }
queue: { maxBytes: 512KB, resultTtl: 5m }
`);
    const config = loadConfig({ UPGATE_CONFIG: path });
    expect(config.server.maxUploadBytes).toBe(5 * 1024 * 1024);
    expect(config.server.maxWait).toBe(1500);
    expect(config.quotas.perKey).toEqual([{ limit: 10, window: 10_000 }, { limit: 100, window: 86_400_000 }]);
    expect(config.queue).toMatchObject({ maxBytes: 512 * 1024, resultTtl: 300_000 });
  });

  it('lets the environment override the file', async () => {
    const path = await configFile('server: { port: 9000 }\nstore: { redisUrl: null }\n');
    const config = loadConfig({
      UPGATE_CONFIG: path,
      PORT: '9123',
      HOST: '127.0.0.1',
      REDIS_URL: 'redis://127.0.0.1:6390',
      UPGATE_ADMIN_TOKEN: 'admin-secret-0123456789',
      UPSTREAM_URL: 'http://127.0.0.1:3030',
      UPSTREAM_CLIENT_ID: 'client-1',
    });
    expect(config.server).toMatchObject({ port: 9123, host: '127.0.0.1' });
    expect(config.store.redisUrl).toBe('redis://127.0.0.1:6390');
    expect(config.admin.token).toBe('admin-secret-0123456789');
    expect(config.upstream.url).toBe('http://127.0.0.1:3030');
    expect(config.upstream.lanes).toEqual([{ id: 'default', clientId: 'client-1', limits: config.upstream.defaultLimits, clientLimits: [], credits: { limit: 12_500, window: 86_400_000, uploadCost: 10, reserve: '2%' } }]);
  });

  it('is frozen once loaded', () => {
    const config = parseConfig({});
    expect(Object.isFrozen(config.server)).toBe(true);
    expect(() => ((config.server as { port: number }).port = 1)).toThrow(TypeError);
  });

  it.each([
    ['an unknown key', { server: { prot: 8080 } }, /unknown key "server\.prot"/],
    ['a wrong type', { quotas: { perIp: [{ limit: 'ten', window: '1h' }] } }, /"quotas\.perIp\.0\.limit"/],
    ['a bad duration', { server: { maxWait: 'soon' } }, /"server\.maxWait": expected a duration/],
    ['a bad size', { server: { maxUploadBytes: '10 parsecs' } }, /"server\.maxUploadBytes": expected a size/],
    ['a bad policy', { quotas: { policy: 'either' } }, /"quotas\.policy"/],
  ])('rejects %s naming the key', (_name, input, message) => {
    expect(() => parseConfig(input)).toThrow(ConfigError);
    expect(() => parseConfig(input)).toThrow(message);
  });

  it('names an unreadable file', () => {
    expect(() => loadConfig({ UPGATE_CONFIG: join(dir, 'missing.yaml') })).toThrow(/cannot read .*missing\.yaml/);
  });

  it('stops `upgate serve` with a non-zero exit and the offending key', async () => {
    const path = await configFile('server:\n  port: 0\n  colour: blue\n');
    const failure = await run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve'], { env: { ...process.env, UPGATE_CONFIG: path } }).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain('unknown key "server.colour"');
  });
});
