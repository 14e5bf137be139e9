import type { ServerResponse } from 'node:http';
import { XMLBuilder } from 'fast-xml-parser';
import type { GatewayError } from '../../errors/catalogue.js';
import type { JobView, UpstreamImage } from '../../uploads/types.js';
import type { ResponseFormat } from '../response-format.js';

/** One answer in both syntaxes: the XML tree is not always the JSON one (v1 flattens its image into <rsp>). */
export interface Answer {
  status: number;
  json: unknown;
  /** A fast-xml-parser tree: `@_name` keys are attributes. */
  xml: Record<string, unknown>;
}

/** The answers of one API generation. */
export interface AnswerShape {
  success(image: UpstreamImage, format: ResponseFormat): Answer;
  queued(job: JobView, format: ResponseFormat): Answer;
  error(error: GatewayError, format: ResponseFormat, method: string): Answer;
}

// The builder escapes text and attribute values, so messages and fields can never break the document.
const xml = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', suppressEmptyNode: false });
const declaration = { '?xml': { '@_version': '1.0', '@_encoding': 'utf-8' } };

/**
 * Written with Node's own response methods, as Express's `res.json` would write it (same headers and
 * bytes), so the same renderer serves Express routes and the upload fast path alike.
 */
export function sendAnswer(res: ServerResponse, format: ResponseFormat, answer: Answer): void {
  const json = format.syntax === 'json';
  const body = json ? JSON.stringify(answer.json) : xml.build({ ...declaration, ...answer.xml });
  res.statusCode = answer.status;
  res.setHeader('Content-Type', json ? 'application/json; charset=utf-8' : 'text/xml; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}
