import type { AnswerShape } from './answer.js';

/**
 * v3: `{"data":…,"success":…,"status":…}`. Its XML form (`/3/image.xml`) is Imgur's: the same
 * fields as elements of `<data success="1|0" status="…">`.
 */
export const v3Answers: AnswerShape = {
  success(image) {
    return envelope({ ...image }, 200);
  },
  queued(job) {
    return envelope({ id: job.id, status: job.status, position: job.position, eta: job.eta }, 202);
  },
  error(error, format, method) {
    return envelope({ error: error.message, code: error.code, request: format.requestPath, method }, error.status);
  },
};

function envelope(data: Record<string, unknown>, status: number) {
  const success = status < 400;
  return {
    status,
    json: { data, success, status },
    xml: { data: { '@_success': success ? 1 : 0, '@_status': status, ...data } },
  };
}
