import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { destination } from 'pino';
import { startGateway, type Gateway } from '../gateway.js';
import { createLogger } from '../ops/logger.js';
import { startSimulator, type Simulator } from '../simulator/server.js';
import { submitThroughGateway, uploadDirect, type DirectResult } from './apps.js';
import { ProgressView, type AppProgress } from './progress.js';
import { appId, demoGatewayConfig, demoScenario, type DemoScenario } from './scenario.js';

export interface DemoSummary {
  direct: { ok: number; rejected: number; message?: string };
  upgate: { submitted: number; delivered: number; failed: number; upstream429s: number; perApp: Record<string, number>; elapsedMs: number };
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

/**
 * The side-by-side demo: the same apps behind one shared IP upload first straight to an Imgur-like
 * upstream (and hit its per-IP limit), then through upgate with three lanes (and never do).
 */
export interface DemoOptions {
  fast: boolean;
  out: NodeJS.WriteStream;
  /** Gateway and simulator ports; default any free port. */
  port?: number;
  upstreamPort?: number;
  /** The simulator's profile (default tidy); `imgur` hides the per-IP limit and refuses with "You are uploading too fast". */
  profile?: 'tidy' | 'imgur';
  /** Called with the summary while the gateway and its dashboard are still up (`--keep` waits here). */
  whileUp?: (summary: DemoSummary, dashboardUrl: string) => Promise<void>;
}

export async function runDemo(options: DemoOptions): Promise<DemoSummary> {
  const { out } = options;
  const scenario = demoScenario(options.fast);
  const simulator = await startSimulator({ ipLimits: [scenario.ipLimit], port: options.upstreamPort ?? 0, profile: options.profile ?? 'tidy' });
  try {
    const limitText = `${scenario.ipLimit.limit} uploads per ${seconds(scenario.ipLimit.windowMs)} per IP`;
    out.write(`upstream simulator at ${simulator.url} (Imgur-like limit scaled to seconds: ${limitText})\n\n`);
    out.write(`Phase 1: direct. ${scenario.apps} apps behind one shared IP upload ${scenario.uploadsPerApp} images each straight to the upstream.\n`);
    const direct = await directPhase(simulator, scenario, new ProgressView(out));
    out.write(`  → ${direct.ok} uploaded, ${direct.rejected} refused with 429 "${direct.message ?? ''}"\n\n`);

    out.write(`Phase 2: through upgate. The same apps send the same uploads to upgate, which has ${scenario.laneAddresses.length} lanes (${scenario.laneAddresses.join(', ')}).\n`);
    return await gatewayPhase(simulator, scenario, options, direct);
  } finally {
    await simulator.close();
  }
}

async function directPhase(simulator: Simulator, scenario: DemoScenario, view: ProgressView): Promise<DemoSummary['direct']> {
  const apps: AppProgress[] = Array.from({ length: scenario.apps }, (_, index) => ({ id: appId(index), done: 0, refused: 0, total: scenario.uploadsPerApp }));
  const footer = () => `upstream accepted ${apps.reduce((n, app) => n + app.done, 0)}, refused ${apps.reduce((n, app) => n + app.refused, 0)}`;
  const results: DirectResult[] = await Promise.all(
    apps.map((app) =>
      uploadDirect(simulator.url, `direct-${app.id}`, app.total, (ok) => {
        if (ok) app.done++;
        else app.refused++;
        view.render(apps, footer());
      }),
    ),
  );
  view.render(apps, footer(), true);
  view.finish();
  return {
    ok: results.reduce((n, result) => n + result.ok, 0),
    rejected: results.reduce((n, result) => n + result.rejected, 0),
    message: results.find((result) => result.firstRefusal)?.firstRefusal,
  };
}

async function gatewayPhase(simulator: Simulator, scenario: DemoScenario, options: DemoOptions, direct: DemoSummary['direct']): Promise<DemoSummary> {
  const { out } = options;
  const spoolDir = await mkdtemp(join(tmpdir(), 'upgate-demo-'));
  const adminToken = randomBytes(16).toString('hex');
  const appKeys = Array.from({ length: scenario.apps }, () => `demo_${randomBytes(12).toString('hex')}`);
  const config = demoGatewayConfig({ scenario, upstreamUrl: simulator.url, spoolDir, adminToken, appKeys, port: options.port ?? 0 });
  let gateway: Gateway | undefined;
  try {
    gateway = await startGateway({ config, logger: createLogger('error', destination(2)) });
    const dashboardUrl = `${gateway.url}/dashboard#token=${adminToken}`;
    out.write(`  gateway at ${gateway.url}; live dashboard: ${dashboardUrl}\n`);
    const refusedBefore = simulator.stats().rateLimited;
    const started = Date.now();
    const submitted = await Promise.all(appKeys.map((key) => submitThroughGateway(gateway!.url, key, scenario.uploadsPerApp)));
    for (const [index, result] of submitted.entries()) {
      if (result.refused.length) out.write(`  ${appId(index)}: upgate refused ${result.refused.length}: ${result.refused[0]}\n`);
    }
    const apps = await waitForDelivery(gateway, scenario, submitted.map((result) => result.accepted), simulator, refusedBefore, new ProgressView(out));
    const elapsedMs = Date.now() - started;
    const summary: DemoSummary = {
      direct,
      upgate: {
        submitted: scenario.apps * scenario.uploadsPerApp,
        delivered: apps.reduce((n, app) => n + app.done, 0),
        failed: apps.reduce((n, app) => n + app.refused, 0),
        upstream429s: simulator.stats().rateLimited - refusedBefore,
        perApp: Object.fromEntries(apps.map((app) => [app.id, app.done])),
        elapsedMs,
      },
    };
    await options.whileUp?.(summary, dashboardUrl);
    return summary;
  } finally {
    await gateway?.close(2_000);
    await rm(spoolDir, { recursive: true, force: true });
  }
}

/** Polls the queue until every accepted upload is done or failed, redrawing the per-app progress. */
async function waitForDelivery(gateway: Gateway, scenario: DemoScenario, accepted: number[], simulator: Simulator, refusedBefore: number, view: ProgressView): Promise<AppProgress[]> {
  const total = accepted.reduce((n, count) => n + count, 0);
  const laneBudget = scenario.ipLimit.limit * scenario.laneAddresses.length;
  // Generous: three times the windows the backlog needs, plus room for a slow machine.
  const deadline = Date.now() + Math.ceil(total / laneBudget + 1) * scenario.ipLimit.windowMs * 3 + 20_000;
  const apps: AppProgress[] = accepted.map((count, index) => ({ id: appId(index), done: 0, refused: 0, total: count }));
  for (;;) {
    await Promise.all(
      apps.map(async (app) => {
        const limit = Math.max(1, app.total);
        app.done = (await gateway.queue.list({ keyId: app.id, status: 'done', limit })).length;
        app.refused = (await gateway.queue.list({ keyId: app.id, status: 'failed', limit })).length;
      }),
    );
    const [stats, lanes] = await Promise.all([gateway.queue.stats(), gateway.queue.lanes()]);
    const finished = apps.every((app) => app.done + app.refused >= app.total);
    const lanesText = lanes.map((lane) => `${lane.id} ${lane.remaining}`).join(', ');
    view.render(apps, `queued ${stats.depth} · lane budget left: ${lanesText} · upstream 429s ${simulator.stats().rateLimited - refusedBefore}`, finished);
    if (finished) break;
    if (Date.now() > deadline) {
      view.finish();
      throw new Error(`not every upload was delivered in time (${apps.reduce((n, app) => n + app.done, 0)} of ${total})`);
    }
    await sleep(scenario.refreshMs);
  }
  view.finish();
  return apps;
}
