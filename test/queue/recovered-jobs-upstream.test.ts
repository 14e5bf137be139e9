import { readdir, rm } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ConfigInput } from '../../src/config/schema.js';
import { runCli } from '../cli/run-cli.js';
import { uniquePng } from '../gateway/gateway-fixture.js';
import { GatewayProcess } from '../support/gateway-process.js';
import { spawnSimulator, type SpawnedSimulator } from '../support/simulator.js';

const key = 'k_recovered_app_secret';
const adminToken = 'recovered-admin-token-0123456';

/**
 * Jobs left in the embedded store's spool when the gateway stops, and what a restarted real gateway
 * process does with them: hold those accepted for another upstream, and fail those whose bytes are
 * gone with the gateway's own error — never a local path, never blamed on the upstream.
 */
describe('jobs recovered from the spool by a restarted gateway process', () => {
  let dir: string;
  let first: SpawnedSimulator;
  let second: SpawnedSimulator;
  let gateway: GatewayProcess | undefined;

  /** One upload per hour on the lane: the first goes at once, the next waits in the queue. */
  const config = (upstreamUrl: string, spool: string): ConfigInput => ({
    store: { spoolDir: join(dir, spool) },
    admin: { token: adminToken },
    keys: [{ id: 'app1', key }],
    upstream: { url: upstreamUrl, lanes: [{ id: 'lane1', clientId: 'sim-client', limits: [{ limit: 1, window: '1h' }] }] },
    queue: { dedupe: false },
    log: { level: 'info' },
  });
  const upload = (headers: Record<string, string> = {}) =>
    fetch(`${gateway!.url}/3/image`, { method: 'POST', headers: { 'x-api-key': key, 'content-type': 'image/png', ...headers }, body: uniquePng() }).then(async (r) => ({ status: r.status, body: await r.json() }));
  const job = async (id: string) => (await fetch(`${gateway!.url}/admin/jobs/${id}`, { headers: { authorization: `Bearer ${adminToken}` } })).json();

  /** A gateway with one upload sent and one queued; stopped with SIGTERM. Answers the queued job's id. */
  async function leaveQueuedJob(spool: string): Promise<string> {
    gateway = await GatewayProcess.start(config(first.url, spool));
    expect((await upload()).status).toBe(200);
    const queued = await upload({ prefer: 'respond-async' });
    expect(queued.status).toBe(202);
    await gateway.stop('SIGTERM');
    expect(gateway.exitCode).toBe(0);
    return queued.body.data.id;
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'upgate-recovered-'));
    [first, second] = await Promise.all([spawnSimulator(), spawnSimulator()]);
  });
  afterEach(async () => {
    await gateway?.dispose();
    gateway = undefined;
  });
  afterAll(async () => {
    await Promise.all([first?.stop(), second?.stop()]);
    await rm(dir, { recursive: true, force: true });
  });

  it('holds a job accepted for another upstream, says so at start, and sends it once released', async () => {
    const id = await leaveQueuedJob('held');
    await gateway!.rewriteConfig(config(second.url, 'held'));
    await gateway!.restart();

    await vi.waitFor(async () => expect(await job(id)).toMatchObject({ status: 'queued', held: true, upstream: first.url }), { timeout: 10_000, interval: 100 });
    expect(gateway!.output()).toContain('queued jobs accepted for another upstream are held');
    expect(gateway!.output()).toContain(`"acceptedFor":"${first.url}"`);
    expect((await second.stats()).uploads).toBe(0);
    expect((await first.stats()).uploads).toBe(1);

    const released = await runCli(['jobs', '--release-held'], { UPGATE_URL: gateway!.url, UPGATE_ADMIN_TOKEN: adminToken });
    expect(released).toMatchObject({ code: 0, stdout: `released 1 held job: they go to ${second.url}\n` });
    await vi.waitFor(async () => expect(await job(id)).toMatchObject({ status: 'done', upstream: second.url }), { timeout: 10_000, interval: 100 });
    expect((await second.stats()).uploads).toBe(1);
  });

  it('fails a job whose stored bytes are gone with 1024, naming no path and not the upstream', async () => {
    const id = await leaveQueuedJob('missing');
    for (const file of await readdir(join(dir, 'missing', 'payloads'))) await rm(join(dir, 'missing', 'payloads', file));
    await gateway!.restart();

    await vi.waitFor(async () => expect((await job(id)).status).toBe('failed'), { timeout: 10_000, interval: 100 });
    const failed = await job(id);
    expect(failed.error).toEqual({ code: 1024, status: 500, message: 'Gateway storage error: the stored upload is missing' });
    expect(JSON.stringify(failed)).not.toContain(dir);
    const polled = await fetch(`${gateway!.url}/3/jobs/${id}`, { headers: { 'x-api-key': key } }).then((r) => r.json());
    expect(JSON.stringify(polled)).not.toMatch(/upstream|\/tmp\//i);
    expect(polled.data).toMatchObject({ status: 'failed', error: { code: 1024 } });
  });
});
