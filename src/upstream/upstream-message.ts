/** Longest message kept from an upstream answer. */
const maxLength = 200;

/**
 * The human message in an upstream error body, whatever its shape: v3 `data.error` (a string, or an
 * object with `message`), `{"errors":[{detail|message|title}]}`, `{"error": …}`, `{"message": …}`,
 * an HTML page (its <title> or <h1>), or plain text. An empty body says `HTTP <status>`.
 */
export function upstreamMessage(status: number, body: string): string {
  const text = body.trim();
  if (text === '') return `HTTP ${status}`;
  const fromJson = jsonMessage(text);
  if (fromJson !== undefined) return clip(fromJson) || `HTTP ${status}`;
  if (text.startsWith('<')) return clip(htmlMessage(text)) || `HTTP ${status}`;
  return clip(text);
}

function jsonMessage(text: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(parsed)) return typeof parsed === 'string' ? parsed : '';
  const data = isRecord(parsed.data) ? parsed.data : undefined;
  const errors = Array.isArray(parsed.errors) ? parsed.errors[0] : undefined;
  return messageOf(data?.error) ?? messageOf(errors) ?? messageOf(parsed.error) ?? messageOf(parsed.message) ?? '';
}

/** A string, or the first of `message`/`detail`/`title`/`error` of an object. */
function messageOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (!isRecord(value)) return undefined;
  for (const field of ['message', 'detail', 'title', 'error']) {
    const inner = value[field];
    if (typeof inner === 'string' && inner.trim() !== '') return inner;
  }
  return undefined;
}

/** A page's <title>, else its <h1>, else its text; tags stripped and entities decoded. */
function htmlMessage(html: string): string {
  const element = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(html) ?? /<h1[^>]*>([\s\S]*?)<\/h1>/i.exec(html);
  const inner = element ? element[1]! : html.replace(/<(script|style)[\s\S]*?<\/\1>/gi, '');
  return decodeEntities(inner.replace(/<[^>]*>/g, ' '));
}

function decodeEntities(text: string): string {
  const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (entity, name: string) => {
    if (name[0] === '#') return String.fromCodePoint(name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : Number(name.slice(1)));
    return named[name.toLowerCase()] ?? entity;
  });
}

function clip(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > maxLength ? `${flat.slice(0, maxLength - 1)}…` : flat;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
