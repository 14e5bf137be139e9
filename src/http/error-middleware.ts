import type { ErrorRequestHandler, RequestHandler } from 'express';
import { GatewayError, isGatewayError } from '../errors/catalogue.js';
import type { Logger } from '../ops/logger.js';
import { fromBodyParserError, fromMulterError } from './parse/library-errors.js';
import { renderError } from './render/index.js';
import { requestFormat, uploadPaths } from './response-format.js';

/**
 * The one Express error handler: catalogue errors are answered in the route's format; parser
 * errors that escaped a route are mapped like at their call site; anything else is logged and
 * answered 500/9001 without details (they could hold secrets or internals).
 */
export function errorMiddleware(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    // Too late for an answer: Express's final handler closes the connection.
    if (res.headersSent) return next(error);
    let answer = isGatewayError(error) ? error : (fromMulterError(error) ?? fromBodyParserError(error) ?? fromPathDecodeError(error));
    if (!answer) {
      logger.error({ err: error, method: req.method, path: req.path }, 'unexpected error');
      answer = new GatewayError('internal');
    }
    renderError(res, requestFormat(req, res), answer);
  };
}

/**
 * Express decodes route parameters itself and throws a URIError (status 400) for bad
 * percent-encoding (`%ZZ`, `%C0%AF`, a cut-off `%E0%A4%A`): the client's mistake, not ours.
 */
function fromPathDecodeError(error: unknown): GatewayError | undefined {
  if (!(error instanceof URIError)) return undefined;
  return new GatewayError('malformed', { message: 'Malformed request: the path is not valid percent-encoded UTF-8', cause: error });
}

/** Upload paths as Express matches them: case-insensitive, a trailing slash ignored. */
const uploadPathSet = new Set(uploadPaths.map((path) => path.toLowerCase()));

/**
 * Unknown routes: 404/1009, in the shape the path implies (legacy paths get their legacy shape).
 * An upload path asked with another method (GET, PUT…) is 405/1010 with `Allow: POST`; OPTIONS is
 * left to CORS preflight handling before the routes.
 */
export const notFoundHandler: RequestHandler = (req, res) => {
  const format = requestFormat(req, res);
  if (req.method !== 'OPTIONS' && uploadPathSet.has(req.path.toLowerCase().replace(/(.)\/$/, '$1'))) {
    res.set('Allow', 'POST');
    renderError(res, format, new GatewayError('methodNotAllowed'));
    return;
  }
  renderError(res, format, new GatewayError('notFound'));
};
