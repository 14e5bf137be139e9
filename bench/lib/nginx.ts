import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startChild } from './child.js';
import { freePort, waitForHttp } from './net.js';

const nginxBinary = '/usr/sbin/nginx';

/** Installs Debian's nginx when it is missing and the bench runs as root; otherwise says how. */
export function ensureNginx(): void {
  if (existsSync(nginxBinary)) return;
  if (process.getuid?.() !== 0) throw new Error('nginx is missing: run `sudo apt-get install -y nginx` first');
  execFileSync('apt-get', ['install', '-y', 'nginx'], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

export function nginxVersion(): string {
  if (!existsSync(nginxBinary)) return 'not installed';
  // `nginx -v` prints to stderr.
  return execFileSync('sh', ['-c', `${nginxBinary} -v 2>&1`], { encoding: 'utf8' }).trim().replace(/^nginx version: /, '');
}

export interface NginxOptions {
  /** Where requests are proxied (the simulator). */
  upstreamUrl: string;
  /** `limit_req` rate per client address, e.g. `100000r/s`; beyond it and the burst, 429. */
  rate: string;
  /** Requests allowed above the rate at once (`burst=… nodelay`). */
  burst: number;
  workers: number;
}

/**
 * nginx on a loopback port with a generated config in a temp dir (master process on, pid and logs in
 * the temp dir, no access log): `limit_req` per client address in front of `proxy_pass`, the classic
 * rate-limiting proxy a gateway is compared with.
 */
export async function startNginx(options: NginxOptions): Promise<{ url: string; stop(): Promise<void> }> {
  ensureNginx();
  const dir = mkdtempSync(join(tmpdir(), 'upgate-bench-nginx-'));
  const port = await freePort();
  const upstream = new URL(options.upstreamUrl);
  writeFileSync(
    join(dir, 'nginx.conf'),
    `daemon off;
master_process on;
worker_processes ${options.workers};
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  client_max_body_size 20m;
  limit_req_zone $binary_remote_addr zone=perip:10m rate=${options.rate};
  limit_req_status 429;
  upstream simulator { server ${upstream.host}; keepalive 32; }
  server {
    listen 127.0.0.1:${port};
    location / {
      limit_req zone=perip${options.burst > 0 ? ` burst=${options.burst} nodelay` : ''};
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_pass http://simulator;
    }
  }
}
`,
  );
  const child = startChild(nginxBinary, ['-p', dir, '-c', join(dir, 'nginx.conf')]);
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(url, child.running);
  return {
    url,
    async stop() {
      await child.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
