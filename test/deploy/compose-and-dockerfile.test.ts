import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

interface Service {
  image?: string;
  build?: unknown;
  profiles?: string[];
  command?: string[];
  ports?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
}

// No Docker engine on the test machines: the files are checked for what compose and docker would do with them.
const compose = parse(readFileSync('docker-compose.yml', 'utf8'), { merge: true }) as { services: Record<string, Service> };
const dockerfile = readFileSync('Dockerfile', 'utf8');

/** Docker's stages: each FROM starts one; its lines run until the next. */
function stages(text: string): Array<{ from: string; lines: string[] }> {
  const result: Array<{ from: string; lines: string[] }> = [];
  for (const line of text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))) {
    if (/^FROM\s/i.test(line)) result.push({ from: line, lines: [] });
    else result.at(-1)?.lines.push(line);
  }
  return result;
}

describe('docker-compose.yml', () => {
  const { services } = compose;

  it('requires an admin token for every gateway (compose refuses to start without one) and ships no known secret', () => {
    const gateways = Object.entries(services).filter(([, service]) => service.environment && 'UPGATE_ADMIN_TOKEN' in service.environment);
    expect(gateways.map(([name]) => name).sort()).toEqual(['upgate', 'upgate-demo']);
    for (const [, service] of gateways) expect(service.environment!.UPGATE_ADMIN_TOKEN).toMatch(/^\$\{UPGATE_ADMIN_TOKEN:\?[^}]+\}$/);
    // Nothing that looks like a secret has a default value: `${VAR:-value}` only for non-secrets.
    const text = readFileSync('docker-compose.yml', 'utf8');
    for (const match of text.matchAll(/\$\{([A-Z_]+):-([^}]*)\}/g)) expect(match[1]).not.toMatch(/TOKEN|SECRET|PASSWORD/);
    expect(text).not.toMatch(/change-?me|s3cret|password/i);
  });

  it('runs the gateway on Redis with the append-only file, waiting for Redis to be healthy', () => {
    expect(services.redis!.command).toEqual(expect.arrayContaining(['--appendonly', 'yes']));
    expect(services.upgate!.environment!.REDIS_URL).toBe('redis://redis:6379');
    expect(services.upgate!.depends_on).toEqual({ redis: { condition: 'service_healthy' } });
    expect(services.upgate!.profiles).toBeUndefined();
  });

  it('has a demo profile: the simulator, and a gateway sending to it with no Imgur credential', () => {
    const { simulator, 'upgate-demo': demo } = services;
    expect(simulator!.profiles).toEqual(['demo']);
    expect(demo!.profiles).toEqual(['demo']);
    expect(simulator!.command!.slice(0, 3)).toEqual(['node', 'bin/upgate.js', 'simulate-upstream']);
    const port = simulator!.command![simulator!.command!.indexOf('--port') + 1];
    expect(demo!.environment!.UPSTREAM_URL).toBe(`http://simulator:${port}`);
    expect(demo!.environment!.UPSTREAM_CLIENT_ID).toBeTruthy();
    expect(demo!.depends_on).toEqual({ simulator: { condition: 'service_healthy' } });
    // Both gateway services publish different host ports.
    expect(new Set([...services.upgate!.ports!, ...demo!.ports!].map((p) => p.split(':').slice(0, -1).join(':'))).size).toBe(2);
  });
});

describe('Dockerfile', () => {
  const [build, runtime, ...more] = stages(dockerfile);

  it('builds in one stage with every dependency, and runs in another with production dependencies only', () => {
    expect(more).toEqual([]);
    expect(build!.from).toMatch(/AS build$/i);
    const install = build!.lines.find((line) => /npm ci/.test(line));
    // `npm ci` with the dev dependencies (TypeScript) in the build stage, which builds dist/ through `prepare`…
    expect(install).toBeDefined();
    expect(/npm ci[^&]*/.exec(install!)![0]).not.toMatch(/--omit=dev|--production/);
    // …then prunes them, and the runtime stage copies the pruned node_modules: no dev dependency ships.
    expect(install).toMatch(/npm prune --omit=dev/);
    expect(runtime!.lines.some((line) => /npm (ci|install)/.test(line))).toBe(false);
    expect(runtime!.lines).toEqual(expect.arrayContaining(['COPY --from=build /app/node_modules ./node_modules', 'COPY --from=build /app/dist ./dist']));
  });

  it('runs the compiled gateway as an unprivileged user, the way a supervisor should', () => {
    expect(runtime!.lines).toContain('USER node');
    expect(runtime!.lines.at(-1)).toBe('CMD ["node", "bin/upgate.js", "serve"]');
  });
});
