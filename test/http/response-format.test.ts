import { describe, expect, it } from 'vitest';
import { formatForPath, uploadPaths } from '../../src/http/response-format.js';

describe('the answer format follows the path', () => {
  it('mounts every upload path clients use', () => {
    expect(new Set(uploadPaths)).toEqual(
      new Set([
        '/3/image', '/3/image.json', '/3/image.xml', '/3/upload', '/3/upload.json', '/3/upload.xml',
        '/2/upload.json', '/2/upload.xml', '/1/upload.json', '/1/upload.xml', '/api/upload.json', '/api/upload.xml',
      ]),
    );
  });

  it.each([
    ['/3/image', 'v3', 'json'],
    ['/3/upload.xml', 'v3', 'xml'],
    ['/3/credits', 'v3', 'json'],
    ['/3/jobs/abc', 'v3', 'json'],
    ['/2/upload.xml', 'v2', 'xml'],
    ['/1/upload.json', 'v1', 'json'],
    ['/api/upload.xml', 'v1', 'xml'],
  ])('%s answers %s %s', (path, version, syntax) => {
    expect(formatForPath(path)).toEqual({ version, syntax, requestPath: path });
  });
});
