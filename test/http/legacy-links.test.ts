import { describe, expect, it } from 'vitest';
import { legacyLinks } from '../../src/http/render/legacy-links.js';

describe('legacy links are derived from the upstream’s direct link', () => {
  it('an upstream other than Imgur (the simulator) gets links on its own host', () => {
    expect(legacyLinks({ id: 'abc', deletehash: 'dh', link: 'http://127.0.0.1:4567/i/abc.gif' })).toEqual({
      original: 'http://127.0.0.1:4567/i/abc.gif',
      smallSquare: 'http://127.0.0.1:4567/i/abcs.gif',
      largeThumbnail: 'http://127.0.0.1:4567/i/abcl.gif',
      imgurPage: 'http://127.0.0.1:4567/abc',
      deletePage: 'http://127.0.0.1:4567/delete/dh',
    });
  });

  it('a link that is not a URL is passed through rather than failing the answer', () => {
    expect(legacyLinks({ id: 'abc', link: 'not a link' }).original).toBe('not a link');
  });
});
