import type { GatewayError } from '../../errors/catalogue.js';
import type { JobView, UpstreamImage } from '../../uploads/types.js';
import type { GatewayResponse } from '../handler.js';
import type { ResponseFormat } from '../response-format.js';
import { sendAnswer, type AnswerShape } from './answer.js';
import { v1Answers } from './v1-answers.js';
import { v2Answers } from './v2-answers.js';
import { v3Answers } from './v3-answers.js';

const shapes: Record<ResponseFormat['version'], AnswerShape> = { v1: v1Answers, v2: v2Answers, v3: v3Answers };

/** 200 with the uploaded image, in the client's API generation and syntax. */
export function renderSuccess(res: GatewayResponse, format: ResponseFormat, image: UpstreamImage): void {
  sendAnswer(res, format, shapes[format.version].success(image, format));
}

/** 202 for an upload still queued: where to poll (Location) and when (Retry-After). */
export function renderQueued(res: GatewayResponse, format: ResponseFormat, job: JobView, retryAfterSeconds: number): void {
  res.setHeader('Location', `/3/jobs/${encodeURIComponent(job.id)}`);
  res.setHeader('Retry-After', String(Math.max(1, Math.ceil(retryAfterSeconds))));
  sendAnswer(res, format, shapes[format.version].queued(job, format));
}

/** A catalogue error. Every 429 and 503 carries Retry-After (1 s when the error names no time). */
export function renderError(res: GatewayResponse, format: ResponseFormat, error: GatewayError): void {
  const retryAfter = error.retryAfterSeconds ?? (error.status === 429 || error.status === 503 ? 1 : undefined);
  if (retryAfter !== undefined) res.setHeader('Retry-After', String(retryAfter));
  res.locals.errorCode = error.code; // for the request log
  sendAnswer(res, format, shapes[format.version].error(error, format, res.req.method ?? ''));
}
