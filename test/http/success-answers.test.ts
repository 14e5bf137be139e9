import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { images } from '../support/images.js';
import { useRedisUploadServer } from './redis-fixture.js';

const fixture = useRedisUploadServer(1024 * 1024);
const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', parseAttributeValue: true });

/** Uploads the PNG as a titled file to `path`; the harness answers id = first 7 chars of its address, link on i.imgur.com. */
async function upload(path: string) {
  const form = new FormData();
  form.append('image', new Blob([new Uint8Array(images.png)]), 'pic.png');
  form.append('title', 'T & <b>');
  form.append('description', 'D');
  const response = await fetch(`${fixture.server.url}${path}`, { method: 'POST', body: form });
  const id = (fixture.server.uploads.at(-1)!.source as { ref: string }).ref.slice(0, 7);
  return { response, text: await response.text(), id };
}

describe('successful uploads are answered in each API generation’s own shape', () => {
  it('v3 JSON: data with the image, success, status 200', async () => {
    const { response, text, id } = await upload('/3/image.json');
    expect(response.status).toBe(200);
    expect(JSON.parse(text)).toEqual({
      data: expect.objectContaining({ id, link: `https://i.imgur.com/${id}.png`, deletehash: `del${id}`, type: 'image/png', title: 'T & <b>' }),
      success: true,
      status: 200,
    });
  });

  it('v3 XML: the same fields inside <data success="1" status="200">', async () => {
    const { text, id } = await upload('/3/image.xml');
    expect(xml.parse(text).data).toMatchObject({ '@_success': 1, '@_status': 200, id, type: 'image/png', title: 'T & <b>' });
  });

  it('v1 JSON (/1) and XML (/api): hashes and the links Imgur derives from the direct link', async () => {
    const expected = (id: string) => ({
      image_hash: id,
      delete_hash: `del${id}`,
      original_image: `https://i.imgur.com/${id}.png`,
      small_thumbnail: `https://i.imgur.com/${id}s.png`,
      large_thumbnail: `https://i.imgur.com/${id}l.png`,
      imgur_page: `https://imgur.com/${id}`,
      delete_page: `https://imgur.com/delete/del${id}`,
    });
    const json = await upload('/1/upload.json');
    expect(JSON.parse(json.text)).toMatchObject({ rsp: { stat: 'ok', image: expected(json.id) } });
    const asXml = await upload('/api/upload.xml');
    expect(asXml.response.headers.get('content-type')).toBe('text/xml; charset=utf-8');
    expect(xml.parse(asXml.text).rsp).toMatchObject({ '@_stat': 'ok', ...expected(asXml.id) });
  });

  it('v2 JSON and XML: upload.image and upload.links', async () => {
    const expected = (id: string) => ({
      image: { hash: id, deletehash: `del${id}`, title: 'T & <b>', caption: 'D', name: 'pic.png', type: 'image/png', width: 1, height: 1, datetime: '2023-11-14 22:13:20' },
      links: {
        original: `https://i.imgur.com/${id}.png`,
        imgur_page: `https://imgur.com/${id}`,
        delete_page: `https://imgur.com/delete/del${id}`,
        small_square: `https://i.imgur.com/${id}s.png`,
        large_thumbnail: `https://i.imgur.com/${id}l.png`,
      },
    });
    const json = await upload('/2/upload.json');
    expect(JSON.parse(json.text).upload).toMatchObject(expected(json.id));
    const asXml = await upload('/2/upload.xml');
    expect(xml.parse(asXml.text).upload).toMatchObject(expected(asXml.id));
  });
});
