import { describe, expect, it } from 'vitest';
import { upstreamMessage } from '../../src/upstream/upstream-message.js';

describe('upstreamMessage', () => {
  it.each([
    ['v3 data.error string', '{"data":{"error":"Imgur is temporarily over capacity","request":"/3/image"},"success":false,"status":500}', 'Imgur is temporarily over capacity'],
    ['v3 data.error object', '{"data":{"error":{"code":1003,"message":"File type invalid (1)","type":"ImgurException"}},"success":false,"status":400}', 'File type invalid (1)'],
    ['errors array with detail', '{"errors":[{"id":"x","code":"429","detail":"Rate limit exceeded"}]}', 'Rate limit exceeded'],
    ['errors array with title only', '{"errors":[{"status":"503","title":"Service Unavailable"}]}', 'Service Unavailable'],
    ['top-level error string', '{"error":"Invalid client_id"}', 'Invalid client_id'],
    ['HTML page with a title', '<!DOCTYPE html><html><head><title>imgur.com | 502: Bad gateway</title></head><body><h1>Bad gateway</h1></body></html>', 'imgur.com | 502: Bad gateway'],
    ['HTML page with only an h1', '<html><body><h1>Service <em>Unavailable</em> &amp; busy</h1><p>x</p></body></html>', 'Service Unavailable & busy'],
    ['plain text', 'upstream connect error or disconnect/reset before headers\n', 'upstream connect error or disconnect/reset before headers'],
  ])('takes the message from %s', (_shape, body, message) => {
    expect(upstreamMessage(500, body)).toBe(message);
  });

  it('says the status when the body is empty or JSON without a message', () => {
    expect(upstreamMessage(503, '')).toBe('HTTP 503');
    expect(upstreamMessage(500, '{"success":false}')).toBe('HTTP 500');
  });

  it('trims long messages to 200 characters', () => {
    const message = upstreamMessage(500, `<html><title>${'x'.repeat(500)}</title></html>`);
    expect(message).toHaveLength(200);
  });
});
