import { describe, expect, it } from 'vitest';
import { classifyAnswer } from '../../src/upstream/classify-answer.js';
import { pausePlan } from '../../src/upstream/lane-reports.js';
import { laneSpecs } from '../../src/upstream/lane-spec.js';
import type { UpstreamAnswer } from '../../src/upstream/types.js';
import { laneConfigs } from './lane-fixture.js';

const now = 1_700_000_000_000;
const json = { 'content-type': 'application/json' };
const spec = laneSpecs(laneConfigs([{ id: 'a', clientId: 'c', localAddress: '127.0.0.2' }])).get('a')!;
const rateLimited = (answer: UpstreamAnswer) => {
  expect(answer.kind).toBe('rate-limited');
  return answer as Extract<UpstreamAnswer, { kind: 'rate-limited' }>;
};

// The bodies below are taken verbatim from issue 10 (what Imgur has been seen to send).
describe('Imgur 429 shapes', () => {
  it('reads the v3 envelope', () => {
    const answer = rateLimited(classifyAnswer(429, json, '{"data":{"error":"Too Many Requests","request":"/3/image","method":"POST"},"success":false,"status":429}', now));
    expect(answer.message).toBe('Too Many Requests');
    expect(pausePlan(spec, answer)).toEqual({ pauseMs: [60_000, 0], withRoom: false });
  });

  it('reads the nested error, pausing the address for the minutes it asks', () => {
    const body = '{"data":{"error":{"code":429,"message":"You are uploading too fast. Please wait 37 more minutes.","type":"ImgurException"}},"success":false,"status":429}';
    const answer = rateLimited(classifyAnswer(429, json, body, now));
    expect(answer).toMatchObject({ message: 'You are uploading too fast. Please wait 37 more minutes.', waitMs: 37 * 60_000, subject: 'address' });
    expect(pausePlan(spec, answer).pauseMs).toEqual([37 * 60_000, 0]);
  });

  it('reads the JSON:API body served as application/vnd.imgur.v1+json, even under a 200', () => {
    const body = '{"errors":[{"id":"legacy-api-5f8c2","code":"429","status":"Too Many Requests","detail":"Too Many Requests"}]}';
    for (const status of [429, 200]) {
      const answer = rateLimited(classifyAnswer(status, { 'content-type': 'application/vnd.imgur.v1+json' }, body, now));
      expect(answer.message).toBe('Too Many Requests');
    }
  });

  it('reads the HTML page', () => {
    const page = '<!DOCTYPE html><html><head><title>Imgur: The most awesome 429 page on the internet</title></head><body><h1>Too many requests</h1></body></html>';
    expect(rateLimited(classifyAnswer(429, { 'content-type': 'text/html' }, page, now)).message).toBe('Imgur: The most awesome 429 page on the internet');
  });

  it('pauses the credential when its credits are spent, until the bound the headers give', () => {
    const headers = { ...json, 'x-ratelimit-clientlimit': '12500', 'x-ratelimit-clientremaining': '0', 'x-ratelimit-clientreset': '86400', 'x-post-rate-limit-limit': '1250', 'x-post-rate-limit-remaining': '1100', 'x-post-rate-limit-reset': '1800' };
    const answer = rateLimited(classifyAnswer(429, headers, '{"errors":[{"id":"legacy-api-1","code":"429","status":"Too Many Requests","detail":"Too Many Requests"}]}', now));
    expect(answer.limits.client).toEqual({ limit: 12_500, remaining: 0, resetInMs: 86_400_000, exact: false });
    expect(pausePlan(spec, answer)).toEqual({ pauseMs: [0, 86_400_000], withRoom: false });
  });

  it('still pauses after a 429 whose counters show room, and says so', () => {
    const headers = { ...json, 'x-post-rate-limit-limit': '1250', 'x-post-rate-limit-remaining': '1200', 'x-post-rate-limit-reset': '3000', 'x-ratelimit-clientlimit': '12500', 'x-ratelimit-clientremaining': '9000' };
    const answer = rateLimited(classifyAnswer(429, headers, '{"data":{"error":"Too Many Requests","request":"/3/image","method":"POST"},"success":false,"status":429}', now));
    expect(pausePlan(spec, answer)).toEqual({ pauseMs: [60_000, 0], withRoom: true });
  });

  it('takes Retry-After over everything else, when an upstream sends one', () => {
    const answer = rateLimited(classifyAnswer(429, { ...json, 'retry-after': '12' }, '{"data":{"error":{"code":429,"message":"You are uploading too fast. Please wait 37 more minutes.","type":"ImgurException"}},"success":false,"status":429}', now));
    expect(pausePlan(spec, answer).pauseMs).toEqual([12_000, 0]);
  });
});

describe('other Imgur answers', () => {
  it('retries 403 "over capacity" instead of failing the job', () => {
    const body = '{"data":{"error":"Imgur is temporarily over capacity. Please try again later.","request":"/3/image","method":"POST"},"success":false,"status":403}';
    expect(classifyAnswer(403, json, body, now)).toMatchObject({ kind: 'retryable', message: 'Imgur is temporarily over capacity. Please try again later.' });
  });

  it('fails a 415 with the nested upload error message, and a 417 at once', () => {
    const body = '{"data":{"error":{"code":1003,"message":"File type invalid (1)","type":"Exception_UploadError"},"request":"/3/image","method":"POST"},"success":false,"status":415}';
    expect(classifyAnswer(415, json, body, now)).toMatchObject({ kind: 'rejected', status: 415, message: 'File type invalid (1)' });
    expect(classifyAnswer(417, json, '{"data":{"error":"File is over the size limit","request":"/3/image","method":"POST"},"success":false,"status":417}', now)).toMatchObject({ kind: 'rejected', status: 417 });
  });
});
