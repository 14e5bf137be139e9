import type { ErrorRequestHandler, RequestHandler } from 'express';
import { GatewayError, isGatewayError } from '../errors/catalogue.js';
import type { Logger } from '../ops/logger.js';
import { pathOf, type GatewayRequest, type GatewayResponse } from './handler.js';
import { fromBodyParserError, fromMulterError } from './parse/library-errors.js';
import { renderError } from './render/index.js';
import { isUploadPath, requestFormat } from './response-format.js';

/** What answers an error a handler raised; the upload fast path calls it as Express calls the middleware. */
export type ErrorAnswer = (error: unknown, req: GatewayRequest, res: GatewayResponse) => void;

/**
 * Catalogue errors are answered in the route's format; parser errors that escaped a route are mapped
 * like at their call site; anything else is logged and answered 500/9001 without details (they could
 * hold secrets or internals). An error after the answer has begun can only cut the connection, as
 * Express's final handler does.
 */
export function errorAnswer(logger: Logger): ErrorAnswer {
  return (error, req, res) => {
    if (res.headersSent) {
      logger.error({ err: error, method: req.method, path: pathOf(req) }, 'error after the answer began: connection closed');
      res.destroy();
      return;
    }
    let answer = isGatewayError(error) ? error : (fromMulterError(error) ?? fromBodyParserError(error) ?? fromPathDecodeError(error));
    if (!answer) {
      logger.error({ err: error, method: req.method, path: pathOf(req) }, 'unexpected error');
      answer = new GatewayError('internal');
    }
    renderError(res, requestFormat(req, res), answer);
  };
}

/** The one Express error handler (see errorAnswer). Express tells error handlers by their four parameters. */
export function errorMiddleware(logger: Logger): ErrorRequestHandler {
  const answer = errorAnswer(logger);
  return (error: unknown, req, res, _next) => answer(error, req, res);
}

/**
 * Express decodes route parameters itself and throws a URIError (status 400) for bad
 * percent-encoding (`%ZZ`, `%C0%AF`, a cut-off `%E0%A4%A`): the client's mistake, not ours.
 */
function fromPathDecodeError(error: unknown): GatewayError | undefined {
  if (!(error instanceof URIError)) return undefined;
  return new GatewayError('malformed', { message: 'Malformed request: the path is not valid percent-encoded UTF-8', cause: error });
}

/**
 * Unknown routes: 404/1009, in the shape the path implies (legacy paths get their legacy shape).
 * An upload path asked with another method (GET, PUT…) is 405/1010 with `Allow: POST`; OPTIONS is
 * left to CORS preflight handling before the routes.
 */
export const notFoundHandler: RequestHandler = (req, res) => {
  const format = requestFormat(req, res);
  if (req.method !== 'OPTIONS' && isUploadPath(req.path)) {
    res.set('Allow', 'POST');
    renderError(res, format, new GatewayError('methodNotAllowed'));
    return;
  }
  renderError(res, format, new GatewayError('notFound'));
};
