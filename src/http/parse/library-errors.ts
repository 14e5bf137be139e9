import multer from 'multer';
import { GatewayError } from '../../errors/catalogue.js';

/**
 * Maps the errors of the body-reading libraries to the catalogue, where they are called (and in
 * the error middleware for any that escape). Returns undefined for errors that are not theirs.
 */
export function fromMulterError(error: unknown): GatewayError | undefined {
  if (!(error instanceof multer.MulterError)) return undefined;
  // A too-long text part is a base64 image past the cap, so it is "too large" as well.
  if (error.code === 'LIMIT_FILE_SIZE' || error.code === 'LIMIT_FIELD_VALUE') return new GatewayError('tooLarge', { cause: error });
  return new GatewayError('malformed', { message: `Malformed multipart body: ${error.message}`, cause: error });
}

/** body-parser (express.json / express.urlencoded) errors carry a `type` and a 4xx `status` (http-errors). */
export function fromBodyParserError(error: unknown): GatewayError | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { type, status } = error as { type?: unknown; status?: unknown };
  if (type === 'entity.too.large') return new GatewayError('tooLarge', { cause: error });
  if (typeof type === 'string' && typeof status === 'number' && status >= 400 && status < 500) {
    const message = type === 'entity.parse.failed' ? 'Malformed request: the body is not valid JSON' : 'Malformed request body';
    return new GatewayError('malformed', { message, cause: error });
  }
  return undefined;
}
