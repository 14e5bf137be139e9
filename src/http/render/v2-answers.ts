import type { UpstreamImage } from '../../uploads/types.js';
import type { AnswerShape } from './answer.js';
import { legacyLinks } from './legacy-links.js';

/**
 * v2 (`/2/upload.json|.xml`): `{"upload":{"image":{…},"links":{…}}}`, errors
 * `{"error":{"message","request","method","format","code"}}`; the XML root is the single top key.
 * A queued upload (202) answers `{"job":{"id","status","position","eta"}}` (`<job>…</job>`): a v2
 * client finds no `upload` and can follow the Location header to the job.
 */
export const v2Answers: AnswerShape = {
  success(image) {
    const links = legacyLinks(image);
    const upload = {
      image: v2Image(image),
      links: {
        original: links.original,
        imgur_page: links.imgurPage,
        delete_page: links.deletePage,
        small_square: links.smallSquare,
        large_thumbnail: links.largeThumbnail,
      },
    };
    return { status: 200, json: { upload }, xml: { upload } };
  },
  queued(job) {
    const view = { id: job.id, status: job.status, position: job.position, eta: job.eta };
    return { status: 202, json: { job: view }, xml: { job: view } };
  },
  error(error, format, method) {
    const body = { message: error.message, request: format.requestPath, method: method.toLowerCase(), format: format.syntax, code: error.code };
    return { status: error.status, json: { error: body }, xml: { error: body } };
  },
};

function v2Image(image: UpstreamImage) {
  return {
    name: image.name ?? null,
    title: image.title ?? null,
    caption: image.description ?? null,
    hash: image.id,
    deletehash: image.deletehash ?? null,
    datetime: image.datetime === undefined ? null : v2Datetime(image.datetime),
    type: image.type ?? null,
    animated: String(image.animated ?? false),
    width: image.width ?? null,
    height: image.height ?? null,
    size: image.size ?? null,
    views: image.views ?? 0,
    bandwidth: image.bandwidth ?? 0,
  };
}

/** v2 wrote times as `YYYY-MM-DD HH:MM:SS` (UTC); v3 gives epoch seconds. */
function v2Datetime(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().slice(0, 19).replace('T', ' ');
}
