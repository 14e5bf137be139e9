import express, { type Request, type RequestHandler, type Response } from 'express';
import { GatewayError, isGatewayError } from '../../errors/catalogue.js';
import { fromBodyParserError } from './library-errors.js';

/**
 * Reads a urlencoded or JSON body with Express's own parsers. Their limit leaves room for the
 * image as base64 (4/3 of the cap) plus the other fields; the decoded bytes meet the exact cap later.
 */
export async function readFormBody(req: Request, res: Response, syntax: 'json' | 'urlencoded', maxUploadBytes: number): Promise<Record<string, unknown>> {
  const limit = Math.ceil((maxUploadBytes * 4) / 3) + 64 * 1024;
  // The route already chose this parser from the Content-Type.
  const type = () => true;
  const parser = syntax === 'json' ? express.json({ limit, type }) : express.urlencoded({ limit, type, extended: false });
  await run(parser, req, res);
  const body: unknown = req.body;
  if (body === undefined) return {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new GatewayError('malformed', { message: 'Malformed request: the JSON body must be an object' });
  }
  return body as Record<string, unknown>;
}

function run(parser: RequestHandler, req: Request, res: Response): Promise<void> {
  return new Promise((resolve, reject) => {
    void parser(req, res, (error?: unknown) => {
      if (!error) return resolve();
      reject(isGatewayError(error) ? error : (fromBodyParserError(error) ?? error));
    });
  });
}
