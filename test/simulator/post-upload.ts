import { Agent, FormData, request } from 'undici';
import { png1x1 } from '../support/images.js';

export interface PostOptions {
  /** Authorization header; default a Client-ID. */
  authorization?: string | null;
  /** Source address of the connection. */
  localAddress?: string;
  body?: FormData | string;
  contentType?: string;
  path?: string;
}

const agents = new Map<string, Agent>();

/** One upload to the simulator from `localAddress` (127.0.0.1 by default); returns status, headers and parsed JSON when any. */
export async function postUpload(baseUrl: string, options: PostOptions = {}) {
  const localAddress = options.localAddress ?? '127.0.0.1';
  let agent = agents.get(localAddress);
  if (!agent) agents.set(localAddress, (agent = new Agent({ localAddress })));
  let body = options.body;
  if (body === undefined) {
    body = new FormData();
    body.append('image', new Blob([png1x1], { type: 'image/png' }), 'dot.png');
  }
  const headers: Record<string, string> = {};
  if (options.authorization !== null) headers.authorization = options.authorization ?? 'Client-ID app1';
  if (options.contentType) headers['content-type'] = options.contentType;
  const response = await request(`${baseUrl}${options.path ?? '/3/image'}`, { method: 'POST', dispatcher: agent, headers, body });
  const text = await response.body.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.statusCode, headers: response.headers, text, json };
}
