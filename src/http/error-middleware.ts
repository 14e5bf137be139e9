import type { ErrorRequestHandler, RequestHandler } from 'express';
import { GatewayError, isGatewayError } from '../errors/catalogue.js';
import type { Logger } from '../ops/logger.js';
import { fromBodyParserError, fromMulterError } from './parse/library-errors.js';
import { renderError } from './render/index.js';
import { requestFormat } from './response-format.js';

/**
 * The one Express error handler: catalogue errors are answered in the route's format; parser
 * errors that escaped a route are mapped like at their call site; anything else is logged and
 * answered 500/9001 without details (they could hold secrets or internals).
 */
export function errorMiddleware(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    // Too late for an answer: Express's final handler closes the connection.
    if (res.headersSent) return next(error);
    let answer = isGatewayError(error) ? error : (fromMulterError(error) ?? fromBodyParserError(error));
    if (!answer) {
      logger.error({ err: error, method: req.method, path: req.path }, 'unexpected error');
      answer = new GatewayError('internal');
    }
    renderError(res, requestFormat(req, res), answer);
  };
}

/** Unknown routes: 404/1009 in the v3 shape. */
export const notFoundHandler: RequestHandler = (req, res) => {
  renderError(res, { version: 'v3', syntax: 'json', requestPath: req.path }, new GatewayError('notFound'));
};
