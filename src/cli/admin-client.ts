import { Option, type Command } from 'commander';
import { CliError } from './run.js';

export interface AdminFlags {
  url: string;
  token?: string;
}

/** Adds --url and --token (with their environment variables) to a command that talks to the admin API. */
export function withAdminFlags(command: Command): Command {
  return command
    .addOption(new Option('--url <url>', 'base URL of a running gateway').env('UPGATE_URL').default('http://127.0.0.1:8080'))
    .addOption(new Option('--token <token>', 'admin token of that gateway').env('UPGATE_ADMIN_TOKEN'));
}

export interface AdminClient {
  request<T>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T>;
}

/** A thin JSON client for /admin/*, turning every failure into a one-line message for stderr. */
export function createAdminClient(flags: AdminFlags): AdminClient {
  if (!flags.token) throw new CliError('no admin token: pass --token or set UPGATE_ADMIN_TOKEN', 2);
  let base: URL;
  try {
    base = new URL(flags.url);
  } catch {
    throw new CliError(`--url: not a URL: ${flags.url}`, 2);
  }
  const authorization = `Bearer ${flags.token}`;
  return {
    async request<T>(method: string, path: string, body?: unknown): Promise<T> {
      const target = new URL(path, base);
      let response: Response;
      try {
        response = await fetch(target, {
          method,
          headers: { authorization, accept: 'application/json', ...(body !== undefined && { 'content-type': 'application/json' }) },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(15_000),
        });
      } catch (error) {
        const cause = (error as { cause?: { code?: string; message?: string } }).cause;
        const reason = cause?.code ?? cause?.message ?? (error as Error).message;
        throw new CliError(`cannot reach the gateway at ${base.origin} (${reason}); is it running? (--url / UPGATE_URL)`);
      }
      const text = await response.text();
      const parsed = parseJson(text);
      if (!response.ok) throw new CliError(`${method} ${target.pathname}: ${response.status} ${errorMessage(parsed) ?? text.slice(0, 200)}`);
      return parsed as T;
    },
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The gateway answers admin errors in the v3 shape: `{"data":{"error","code"},...}`. */
function errorMessage(body: unknown): string | undefined {
  const data = (body as { data?: { error?: unknown; code?: unknown } } | undefined)?.data;
  if (typeof data?.error !== 'string') return undefined;
  return typeof data.code === 'number' ? `${data.error} (code ${data.code})` : data.error;
}
