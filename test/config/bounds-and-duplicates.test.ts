import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config/load.js';

const nines = `${'9'.repeat(400)}d`;

describe('config bounds and duplicate entries', () => {
  it.each([
    ['a window of 10^12 days', { quotas: { perKey: [{ limit: 1, window: '1000000000000d' }] } }, /"quotas\.perKey\.0\.window": must be at most 366d/],
    ['a window of 10^20 days', { quotas: { perIp: [{ limit: 1, window: '99999999999999999999d' }] } }, /"quotas\.perIp\.0\.window": must be at most 366d/],
    ['a window of 400 nines (Infinity)', { quotas: { perKey: [{ limit: 1, window: nines }] } }, /"quotas\.perKey\.0\.window": must be at most 366d/],
    ['a window of 1e300 ms', { quotas: { perKey: [{ limit: 1, window: 1e300 }] } }, /"quotas\.perKey\.0\.window": must be at most 366d/],
    ['a limit past 2^31', { quotas: { perKey: [{ limit: 2 ** 31 + 1, window: '1h' }] } }, /"quotas\.perKey\.0\.limit"/],
    ['a limit of 1e300', { keys: [{ id: 'a', key: 'k_a_secret_1', quotas: { perKey: [{ limit: 1e300, window: '1h' }] } }] }, /"keys\.0\.quotas\.perKey\.0\.limit"/],
    ['a result TTL of 367 days', { queue: { resultTtl: '367d' } }, /"queue\.resultTtl": must be at most 366d/],
    ['a weight of 1e300', { keys: [{ id: 'a', key: 'k_a_secret_1', weight: 1e300 }] }, /"keys\.0\.weight"/],
    ['a headers timeout longer than the request timeout', { server: { headersTimeout: '10m', requestTimeout: '5m' } }, /"server\.requestTimeout": must be at least server\.headersTimeout/],
    ['an admin token shorter than 16 characters', { admin: { token: 's3cret' } }, /"admin\.token": must be at least 16 characters/],
  ])('refuses %s, naming the field', (_name, input, message) => {
    expect(() => parseConfig(input)).toThrow(ConfigError);
    expect(() => parseConfig(input)).toThrow(message);
  });

  it('accepts the longest window and the largest limit', () => {
    const config = parseConfig({ quotas: { perKey: [{ limit: 2 ** 31, window: '366d' }] } });
    expect(config.quotas.perKey).toEqual([{ limit: 2 ** 31, window: 366 * 86_400_000 }]);
  });

  it('refuses a key id given twice, naming both entries', () => {
    const keys = [{ id: 'app1', key: 'k_first_secret' }, { id: 'app2', key: 'k_second_secret' }, { id: 'app1', key: 'k_third_secret' }];
    expect(() => parseConfig({ keys })).toThrow(/"keys\.2\.id": duplicate id "app1" \(also keys\.0\)/);
  });

  it('refuses two keys with one secret, without printing the secret', () => {
    const keys = [{ id: 'app1', key: 'k_shared_secret' }, { id: 'app2', key: 'k_shared_secret' }];
    expect(() => parseConfig({ keys })).toThrow(/"keys\.1\.key": the same secret as keys\.0 \("app1"\)/);
    expect(() => parseConfig({ keys })).not.toThrow(/k_shared_secret/);
  });

  it('refuses a lane id given twice, naming both entries', () => {
    const lanes = [{ id: 'lane1', clientId: 'a' }, { id: 'lane1', clientId: 'b' }];
    expect(() => parseConfig({ upstream: { lanes } })).toThrow(/"upstream\.lanes\.1\.id": duplicate id "lane1" \(also upstream\.lanes\.0\)/);
  });

  it('sets server timeouts and the metrics listener with documented defaults', () => {
    const config = parseConfig({});
    expect(config.server).toMatchObject({ headersTimeout: 20_000, requestTimeout: 300_000 });
    expect(config.metrics).toEqual({ port: null, host: null, token: null, keyLabels: 1_000 });
  });
});
