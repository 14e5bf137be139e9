import { readdirSync } from 'node:fs';
import calculateSlot from 'cluster-key-slot';
import { describe, expect, it } from 'vitest';
import { RedisKeys } from '../../src/redis/keys.js';

const keys = new RedisKeys('upgate:');
const sha = 'ab'.repeat(32);

/** Every script's keys, built by the key builder as the stores build them, for sample arguments. */
const scriptKeys: Record<string, string[]> = {
  admit: keys.admissionKeys([keys.counter('key:app', 3_600_000), keys.counter('key:app', 86_400_000), keys.counter('ip:10.0.0.1', 3_600_000), keys.counter('ip:2001:db8::/64', 86_400_000)]),
  refund: keys.admissionKeys([keys.counter('key:other', 60_000), keys.counter('ip:10.0.0.2', 60_000)]),
  createApiKey: [keys.apiKeyIndex(), keys.apiKeyBySecretHash(sha)],
  enqueueJob: keys.enqueueKeys({ id: 'job-1', keyId: 'app', idempotency: 'req-1', dedupe: sha, ref: sha }),
  dequeueJob: keys.dequeueKeys('token-1'),
  fairOrder: keys.fairOrderKeys('app'),
  finishJob: keys.finishKeys({ id: 'job-1', keyId: 'app', ref: sha }, 'token-1'),
  claimDirectJob: keys.claimDirectKeys({ id: 'job-1', keyId: 'app', idempotency: 'req-1', dedupe: sha }),
  finishDirectJob: keys.finishDirectKeys('job-1'),
  dropDirectJob: keys.dropDirectKeys({ id: 'job-1', keyId: 'app', idempotency: 'req-1', dedupe: sha }),
  requeueJob: keys.requeueKeys('job-1', 'token-1'),
  holdJob: keys.holdKeys('job-1', 'token-1'),
  refuseJob: keys.refuseKeys('job-1'),
  removeFinishedJob: keys.removeFinishedKeys({ id: 'job-1', ref: sha }),
  commitPayload: keys.payloadKeys(sha),
  holdPayload: keys.payloadKeys(sha),
  releasePayload: keys.payloadKeys(sha),
  checkPayloadChunks: keys.payloadChunkKeys(sha),
  duePayloads: [keys.payloadRenewals()],
  reserveLane: [keys.laneSubject('address:127.0.0.2'), keys.laneSubject('client:0123456789abcdef')],
  reconcileLane: [keys.laneSubject('address:127.0.0.2'), keys.laneSubject('client:0123456789abcdef')],
  addUsage: [keys.usageHistory('key:app', 20_000), keys.usageHistory('lane:lane1', 20_001), keys.usageHistory('all', 20_000)],
};

const scriptsDir = new URL('../../src/redis/scripts/', import.meta.url);

describe('the Redis key scheme', () => {
  it('has sample keys for every script', () => {
    const scripts = readdirSync(scriptsDir).map((file) => /^(.+)-(\d+|n)\.lua$/.exec(file)?.[1]).filter(Boolean);
    expect(Object.keys(scriptKeys).sort()).toEqual(scripts.sort());
  });

  it.each(Object.entries(scriptKeys))('puts every key of %s in one Cluster slot', (_script, names) => {
    expect(new Set(names.map((name) => calculateSlot(name))).size).toBe(1);
  });

  it('spreads a payload’s chunks over the Cluster’s slots', () => {
    const slots = new Set(Array.from({ length: 40 }, (_, index) => calculateSlot(keys.payloadChunk('blob-1', index))));
    expect(slots.size).toBeGreaterThan(30);
  });

  it('keeps admission, API keys and the queue on their own tags', () => {
    const tagOf = (name: string) => /\{([^}]+)\}/.exec(name)?.[1];
    expect(tagOf(keys.counter('key:app', 1_000))).toBe('quota');
    expect(tagOf(keys.recentIps())).toBe('quota');
    expect(tagOf(keys.apiKeyIndex())).toBe('apikeys');
    expect(tagOf(keys.queueJob('job-1'))).toBe('queue');
    expect(tagOf(keys.payloadMeta(sha))).toBe('queue');
    expect(tagOf(keys.payloadChunk('blob-1', 0))).toBeUndefined();
  });
});
