import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { ConfigInput } from '../../src/config/schema.js';
import { startChild, startNode, type Child } from './child.js';
import { freePort, waitForHttp } from './net.js';

/** A server process of this repo, started from a config file of its own. */
export interface ServerProcess {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/**
 * The gateway as users run it (`npm start`: the compiled `dist/`, its own process) with `config`
 * written to a temp YAML file. Request logs are at `warn`: the baselines log nothing per request either.
 */
export async function startGatewayProcess(config: ConfigInput): Promise<ServerProcess> {
  return startFromConfig(config, ['dist/cli/main.js', 'serve'], async (child, url) => waitForHttp(`${url}/healthz`, child.running));
}

/** The bare Express baseline (bench/baseline/bare-express.ts) with the same config as a gateway. */
export async function startBareExpress(config: ConfigInput): Promise<ServerProcess> {
  return startBaseline('bare-express', config);
}

/** One of the Express baselines of bench/baseline/ (`bare-express`, `express-rate-limit`, `rate-limiter-flexible`). */
export async function startBaseline(name: 'bare-express' | 'express-rate-limit' | 'rate-limiter-flexible', config: ConfigInput): Promise<ServerProcess> {
  return startFromConfig(config, [`bench/baseline/${name}.ts`], async (child) => void (await child.event('listening')));
}

async function startFromConfig(config: ConfigInput, [entry, ...args]: string[], ready: (child: Child, url: string) => Promise<void>): Promise<ServerProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'upgate-bench-'));
  const file = join(dir, 'config.yaml');
  const port = await freePort();
  writeFileSync(file, stringify({ log: { level: 'warn' }, ...config, server: { ...config.server, host: '127.0.0.1', port } }));
  const env = { UPGATE_CONFIG: file, PORT: String(port) };
  // Compiled code runs as is; the bench's own TypeScript (the baseline) goes through tsx.
  const child = entry!.endsWith('.js') ? startChild(process.execPath, [entry!, ...args], env) : startNode(entry!, args, env);
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    await child.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await ready(child, url);
  } catch (error) {
    await stop();
    throw new Error(`${entry} did not start: ${(error as Error).message}\n${child.stderr()}`);
  }
  return { url, pid: child.pid, stop };
}

