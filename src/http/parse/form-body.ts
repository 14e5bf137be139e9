import express, { type Request, type RequestHandler, type Response } from 'express';
import type { GatewayRequest, GatewayResponse } from '../handler.js';
import { GatewayError, isGatewayError } from '../../errors/catalogue.js';
import { fromBodyParserError } from './library-errors.js';

/**
 * Reads a urlencoded or JSON body with Express's own parsers. Their limit leaves room for the
 * image as base64 (4/3 of the cap) plus the other fields; the decoded bytes meet the exact cap later.
 */
export async function readFormBody(req: GatewayRequest, res: GatewayResponse, syntax: 'json' | 'urlencoded', maxUploadBytes: number): Promise<Record<string, unknown>> {
  const limit = Math.ceil((maxUploadBytes * 4) / 3) + 64 * 1024;
  // The route already chose this parser from the Content-Type.
  const type = () => true;
  const parser = syntax === 'json' ? express.json({ limit, type }) : express.urlencoded({ limit, type, extended: false });
  // body-parser reads only Node's request and sets `body` on it; its types name Express's.
  const request = req as unknown as Request;
  await run(parser, request, res as unknown as Response);
  const body: unknown = request.body;
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
