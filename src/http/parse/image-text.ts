import { GatewayError } from '../../errors/catalogue.js';

/** An `image` sent as text: a URL the upstream fetches itself, or base64 bytes. */
export type ImageText = { kind: 'url'; url: string } | { kind: 'bytes'; bytes: Buffer };

const dataUrlPrefix = /^data:[^,]*;base64,/i;
const schemePrefix = /^[a-z][a-z0-9+.-]*:\/\//i;
// Standard and URL-safe alphabets; Buffer decodes both.
const base64Text = /^[A-Za-z0-9+/_-]*={0,2}$/;

/**
 * Reads a text `image` value. `type` (any case) says what it is; when it is missing or names a
 * binary form (file, raw, stream) the value itself decides: `scheme://…` is a URL, anything else base64.
 */
export function parseImageText(value: string, type: string | undefined): ImageText {
  const declared = type?.trim().toLowerCase();
  const trimmed = value.trim();
  if (declared === 'url' || (declared !== 'base64' && schemePrefix.test(trimmed))) return { kind: 'url', url: checkUrl(trimmed) };
  // Not trimmed: spaces at the ends may be '+' characters (see decodeBase64).
  return { kind: 'bytes', bytes: decodeBase64(value) };
}

/** Only http(s) URLs go upstream: anything else (ftp:, file:, javascript:…) is refused here. */
function checkUrl(text: string): string {
  const url = URL.canParse(text) ? new URL(text) : undefined;
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname) {
    throw new GatewayError('invalidUrl', { message: 'Invalid URL: only http and https URLs are accepted' });
  }
  return url.href;
}

function decodeBase64(text: string): Buffer {
  // Line breaks are legal in MIME base64; a space is a '+' that a client forgot to escape in a form body.
  const compact = text.replace(dataUrlPrefix, '').replace(/[\r\n\t]/g, '').replace(/ /g, '+');
  if (compact.length === 0) throw new GatewayError('noImage');
  // Buffer.from(…, 'base64') silently skips bad characters, so the alphabet is checked first.
  if (!base64Text.test(compact) || compact.length % 4 === 1) throw new GatewayError('malformed', { message: 'Malformed request: image is neither a URL nor valid base64' });
  return Buffer.from(compact, 'base64');
}
