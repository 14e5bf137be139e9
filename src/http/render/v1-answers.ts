import type { AnswerShape } from './answer.js';
import { legacyLinks } from './legacy-links.js';

/**
 * v1 (`/1/…`, `/api/…`): JSON `{"rsp":{"stat":"ok","image":{…}}}`; XML `<rsp stat="ok">` with the
 * image's fields directly inside, as the original API sent them. Errors use `stat="fail"`.
 * A queued upload (202) answers `stat="queued"` with `job` {id, status, position, eta} (XML: those
 * fields inside `<rsp>`), so a v1 client that checks `stat == "ok"` does not mistake it for a result.
 */
export const v1Answers: AnswerShape = {
  success(image) {
    const links = legacyLinks(image);
    const fields = {
      image_hash: image.id,
      delete_hash: image.deletehash ?? '',
      original_image: links.original,
      large_thumbnail: links.largeThumbnail,
      small_thumbnail: links.smallSquare,
      imgur_page: links.imgurPage,
      delete_page: links.deletePage,
      type: image.type,
      width: image.width,
      height: image.height,
      size: image.size,
    };
    return { status: 200, json: { rsp: { stat: 'ok', image: fields } }, xml: { rsp: { '@_stat': 'ok', ...fields } } };
  },
  queued(job) {
    const fields = { id: job.id, status: job.status, position: job.position, eta: job.eta };
    return { status: 202, json: { rsp: { stat: 'queued', job: fields } }, xml: { rsp: { '@_stat': 'queued', ...fields } } };
  },
  error(error) {
    const fields = { error_code: error.code, error_msg: error.message };
    return { status: error.status, json: { rsp: { stat: 'fail', ...fields } }, xml: { rsp: { '@_stat': 'fail', ...fields } } };
  },
};
