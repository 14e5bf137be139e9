import type { Request, Response } from 'express';
import type { Config } from '../../config/schema.js';
import type { StoreBackend } from '../../store/backend.js';
import { version } from '../../version.js';

/** What a newcomer opening the gateway's address sees: what is running, and where to go next. */
export function homeHandler(config: Config, backend: StoreBackend) {
  const lanes = config.upstream.lanes.length;
  const about = {
    name: 'upgate',
    version,
    store: backend.kind === 'redis' ? 'redis' : 'embedded',
    upstream: config.upstream.url,
    lanes,
    ...(lanes === 0 && { warning: 'no upstream lanes: set UPSTREAM_CLIENT_ID (and UPSTREAM_URL) or upstream.lanes, then restart' }),
    links: { upload: '/3/image', dashboard: '/dashboard', openapi: '/openapi.json', readiness: '/readyz', metrics: '/metrics', docs: 'docs/api.md in the upgate repository' },
  };
  const escape = (text: string) => text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  const page = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>upgate ${escape(version)}</title></head><body>
<h1>upgate ${escape(version)}</h1>
<p>Upload gateway: ${escape(about.store)} store, ${lanes} upstream lane${lanes === 1 ? '' : 's'} to ${escape(about.upstream)}.</p>
${about.warning ? `<p><strong>${escape(about.warning)}</strong></p>` : ''}
<ul><li><a href="/dashboard">Dashboard</a></li><li><a href="/openapi.json">OpenAPI description</a></li><li><a href="/readyz">Readiness</a></li><li><a href="/metrics">Metrics</a></li></ul>
<p>Upload with <code>curl -H 'Authorization: Client-ID &lt;key&gt;' -F image=@photo.png &lt;this address&gt;/3/image</code>; the API is described in docs/api.md of the repository.</p>
</body></html>`;
  return (_req: Request, res: Response): void => {
    res.format({
      'application/json': () => res.json(about),
      'text/html': () => res.type('html').send(page),
      default: () => res.json(about),
    });
  };
}
