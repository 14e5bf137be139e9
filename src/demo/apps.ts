import { upstreamMessage } from '../upstream/upstream-message.js';

/** The simulated client apps: each uploads small PNGs, either straight upstream or through upgate. */

const onePixelPng = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

function imageForm(title: string): FormData {
  const form = new FormData();
  form.append('image', new Blob([onePixelPng], { type: 'image/png' }), 'pixel.png');
  form.append('title', title);
  return form;
}

export interface DirectResult {
  ok: number;
  rejected: number;
  /** The upstream's message on the first refusal, e.g. "Upload limit reached". */
  firstRefusal?: string;
}

/** Uploads straight to the upstream with the app's own Client-ID, as the app would without upgate. */
export async function uploadDirect(upstreamUrl: string, clientId: string, count: number, onEach: (ok: boolean) => void): Promise<DirectResult> {
  const result: DirectResult = { ok: 0, rejected: 0 };
  for (let n = 0; n < count; n++) {
    const response = await fetch(new URL('/3/image', upstreamUrl), { method: 'POST', headers: { authorization: `Client-ID ${clientId}` }, body: imageForm(`${clientId} #${n + 1}`) });
    const body = await response.text();
    if (response.ok) result.ok++;
    else {
      result.rejected++;
      // Whatever shape the refusal came in (the imgur profile nests it): the words the app would show.
      result.firstRefusal ??= upstreamMessage(response.status, body);
    }
    onEach(response.ok);
  }
  return result;
}

/** Hands every upload to upgate at once (`Prefer: respond-async`): each is answered 200 or 202 with a job id. */
export async function submitThroughGateway(gatewayUrl: string, key: string, count: number): Promise<{ accepted: number; refused: string[] }> {
  const refused: string[] = [];
  let accepted = 0;
  for (let n = 0; n < count; n++) {
    const response = await fetch(new URL('/3/image', gatewayUrl), {
      method: 'POST',
      headers: { authorization: `Client-ID ${key}`, prefer: 'respond-async' },
      body: imageForm(`upload #${n + 1}`),
    });
    const body = (await response.json().catch(() => ({}))) as { data?: { error?: unknown } };
    if (response.status === 200 || response.status === 202) accepted++;
    else refused.push(`${response.status} ${String(body.data?.error ?? '')}`);
  }
  return { accepted, refused };
}
