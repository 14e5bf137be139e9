import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { configSchema, type Config, type ConfigInput } from './schema.js';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const localDefaults = 'config/default.yaml';
/** The defaults the package ships (`npx upgate` from any directory): config/ beside dist/ and src/. */
const packagedDefaults = fileURLToPath(new URL('../../config/default.yaml', import.meta.url));

type Env = Record<string, string | undefined>;

/**
 * Reads the YAML file named by UPGATE_CONFIG (else the working directory's config/default.yaml, else
 * the packaged one), applies the environment, validates and freezes.
 */
export function loadConfig(env: Env = process.env): Config {
  const path = env.UPGATE_CONFIG ?? (existsSync(localDefaults) ? localDefaults : packagedDefaults);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`config: cannot read ${path}: ${(error as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text) ?? {};
  } catch (error) {
    throw new ConfigError(`config: ${path} is not valid YAML: ${(error as Error).message}`);
  }
  return parseConfig(applyEnv(raw as ConfigInput, env), path);
}

/** Validates a config object: unknown keys and wrong types are rejected naming the key. */
export function parseConfig(input: unknown, source = 'config'): Config {
  const result = configSchema.safeParse(input);
  if (!result.success) throw new ConfigError(`${source}: ${describeIssues(result.error)}`);
  return deepFreeze(result.data);
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.join('.');
      if (issue.code === 'unrecognized_keys') {
        return issue.keys.map((key) => `unknown key "${path ? `${path}.` : ''}${key}"`).join('; ');
      }
      return `"${path || '(root)'}": ${issue.message}`;
    })
    .join('; ');
}

function applyEnv(file: ConfigInput, env: Env): ConfigInput {
  const config = structuredClone(file);
  const server = (config.server ??= {});
  const store = (config.store ??= {});
  const upstream = (config.upstream ??= {});
  if (env.PORT) server.port = toPort(env.PORT);
  if (env.HOST) server.host = env.HOST;
  if (env.REDIS_URL) {
    // The environment wins over the file, whichever form the file used.
    store.redisUrl = env.REDIS_URL;
    delete store.redis;
  }
  if (env.UPGATE_ADMIN_TOKEN) (config.admin ??= {}).token = env.UPGATE_ADMIN_TOKEN;
  if (env.UPSTREAM_URL) upstream.url = env.UPSTREAM_URL;
  // Checked by the schema like the file's own value, so a typo is named at start-up.
  if (env.LOG_LEVEL) (config.log ??= {}).level = env.LOG_LEVEL as NonNullable<ConfigInput['log']>['level'];
  if (env.LOG_FORMAT) (config.log ??= {}).format = env.LOG_FORMAT as NonNullable<ConfigInput['log']>['format'];
  if (env.UPSTREAM_CLIENT_ID) {
    upstream.lanes = [{ id: 'default', clientId: env.UPSTREAM_CLIENT_ID, limits: upstream.defaultLimits }];
  }
  return config;
}

function toPort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`config: "PORT" must be a port number, got ${JSON.stringify(value)}`);
  return port;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
