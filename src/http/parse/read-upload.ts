import { Readable } from 'node:stream';
import typeIs from 'type-is';
import { GatewayError } from '../../errors/catalogue.js';
import type { PayloadStore, StoredPayload } from '../../store/payload-store.js';
import type { GatewayRequest, GatewayResponse } from '../handler.js';
import type { UploadFields, UploadSource } from '../../uploads/types.js';
import { readFormBody } from './form-body.js';
import { parseImageText } from './image-text.js';
import { detectMediaType } from './media-type.js';
import { readMultipart, type ReceivedBody } from './multipart.js';
import { readRawBody } from './raw-body.js';
import { storePayload } from './store-payload.js';
import { checkUpstreamFields } from './upstream-fields.js';

export interface ParsedUpload {
  source: UploadSource;
  fields: UploadFields;
  /** The gateway key, when sent as a body or query field named `key`. */
  key?: string;
  /** The `callback_url` field. */
  callbackUrl?: string;
  /** Drops the payload reference taken while parsing; call it when the request is refused later. */
  release(): Promise<void>;
}

export interface ReadUploadOptions {
  payloads: PayloadStore;
  maxUploadBytes: number;
}

/**
 * Reads an upload in whichever form the client sent it (multipart, urlencoded, JSON, raw bytes) and
 * leaves its bytes in the payload store, typed from their magic numbers. URLs are only checked: the
 * upstream fetches them. Fields come from the query string too (old clients put them there); the body wins.
 * Whatever was stored is released again if the request fails here.
 */
export async function readUpload(req: GatewayRequest, res: GatewayResponse, options: ReadUploadOptions): Promise<ParsedUpload> {
  const body = await readBody(req, res, options);
  let stored = body.files.map((file) => file.stored);
  try {
    // Only one file goes on; a second file part (image and video both sent) is dropped.
    const file = body.files.find((candidate) => candidate.fieldname === 'image') ?? body.files[0];
    const extras = body.files.filter((candidate) => candidate !== file);
    await Promise.all(extras.map((extra) => options.payloads.release(extra.stored.ref)));
    stored = file ? [file.stored] : [];
    const fields = { ...textFields(req.query), ...textFields(body.fields) };
    if (file?.filename && fields.name === undefined) fields.name = file.filename;
    const passed = checkUpstreamFields(passThrough(fields));
    const source = file ? await payloadSource(file.stored) : await textSource(fields, options, stored);
    return {
      source,
      fields: passed,
      ...(fields.key !== undefined ? { key: fields.key } : {}),
      ...(fields.callback_url !== undefined ? { callbackUrl: fields.callback_url } : {}),
      release: () => (source.kind === 'payload' ? options.payloads.release(source.ref) : Promise.resolve()),
    };
  } catch (error) {
    await Promise.all(stored.map((payload) => options.payloads.release(payload.ref).catch(() => {})));
    throw error;
  }
}

async function readBody(req: GatewayRequest, res: GatewayResponse, { payloads, maxUploadBytes }: ReadUploadOptions): Promise<ReceivedBody> {
  const is = (types: string[]) => Boolean(typeIs(req, types));
  if (is(['multipart/form-data'])) return readMultipart(req, res, payloads, maxUploadBytes);
  if (is(['application/x-www-form-urlencoded'])) return { fields: await readFormBody(req, res, 'urlencoded', maxUploadBytes), files: [] };
  if (is(['application/json', '+json'])) return { fields: await readFormBody(req, res, 'json', maxUploadBytes), files: [] };
  // Anything else with a body is the image itself (image/*, video/*, octet-stream, or no type); its bytes decide.
  if (req.readable && hasBody(req)) {
    const stored = await readRawBody(req, payloads, maxUploadBytes);
    return { fields: {}, files: [{ fieldname: 'image', stored }] };
  }
  return { fields: {}, files: [] };
}

function hasBody(req: GatewayRequest): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}

async function payloadSource(stored: StoredPayload): Promise<UploadSource> {
  if (stored.size === 0) throw new GatewayError('noImage');
  return { kind: 'payload', ref: stored.ref, size: stored.size, mime: await detectMediaType(stored.head) };
}

/** `image` (or `video`) sent as text. Decoded base64 goes into the store like any other bytes. */
async function textSource(fields: Record<string, string>, { payloads, maxUploadBytes }: ReadUploadOptions, stored: StoredPayload[]): Promise<UploadSource> {
  const value = fields.image ?? fields.video;
  if (value === undefined || value.trim() === '') throw new GatewayError('noImage');
  const image = parseImageText(value, fields.type);
  if (image.kind === 'url') return image;
  const payload = await storePayload(payloads, Readable.from([image.bytes]), maxUploadBytes);
  stored.push(payload);
  return payloadSource(payload);
}

/** The string fields of a parsed body or query; a repeated field counts by its first value. */
function textFields(source: unknown): Record<string, string> {
  const fields: Record<string, string> = {};
  if (typeof source !== 'object' || source === null) return fields;
  for (const [name, value] of Object.entries(source)) {
    const first: unknown = Array.isArray(value) ? value[0] : value;
    if (typeof first === 'string') fields[name] = first;
  }
  return fields;
}

function passThrough(fields: Record<string, string>): UploadFields {
  const description = fields.description ?? fields.caption;
  return {
    ...(fields.name !== undefined ? { name: fields.name } : {}),
    ...(fields.title !== undefined ? { title: fields.title } : {}),
    ...(description !== undefined ? { description } : {}),
  };
}
