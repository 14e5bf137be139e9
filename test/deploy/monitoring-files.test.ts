import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, upload, type TestGateway } from '../ops/test-gateway.js';

/** Debian's prometheus package brings promtool; the provisioning step installs it when it can. */
const hasPromtool = spawnSync('promtool', ['--version']).status === 0;
const rulesFile = 'deploy/prometheus/alerts.yml';
const dashboardFile = 'deploy/grafana/upgate.json';

/** Metric names a PromQL expression uses (identifiers followed by `{`, `[` or a space that are upgate_…). */
function metricNamesIn(expression: string): string[] {
  return [...expression.matchAll(/\b(upgate_[a-z0-9_]+)/g)].map((match) => match[1]!.replace(/_(bucket|sum|count)$/, ''));
}

describe('monitoring that ships in deploy/', () => {
  let target: TestGateway;
  let metricsText: string;
  beforeAll(async () => {
    target = await startTestGateway();
    expect((await upload(target.url, { authorization: `Client-ID ${target.appKey}` })).status).toBe(200);
    metricsText = await (await fetch(`${target.url}/metrics`)).text();
  });
  afterAll(async () => {
    await target?.close();
  });

  const exposed = () => new Set([...metricsText.matchAll(/^# TYPE (\S+) /gm)].map((match) => match[1]!));

  it.runIf(hasPromtool)('GET /metrics passes promtool check metrics (no _total gauges, units in names)', () => {
    const result = spawnSync('promtool', ['check', 'metrics'], { input: metricsText, encoding: 'utf8' });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('GET /metrics names only counters with _total', () => {
    const types = [...metricsText.matchAll(/^# TYPE (\S+) (\S+)/gm)].map((match) => ({ name: match[1]!, type: match[2]! }));
    expect(types.length).toBeGreaterThan(10);
    expect(types.filter((metric) => metric.name.endsWith('_total') !== (metric.type === 'counter'))).toEqual([]);
  });

  it.runIf(hasPromtool)('the alert rules pass promtool check rules', () => {
    expect(execFileSync('promtool', ['check', 'rules', rulesFile], { encoding: 'utf8' })).toContain('SUCCESS');
  });

  it('every alert rule is complete and uses metrics the gateway exposes', () => {
    const rules = (parse(readFileSync(rulesFile, 'utf8')) as { groups: Array<{ rules: Array<Record<string, unknown>> }> }).groups.flatMap((group) => group.rules);
    expect(rules.map((rule) => rule.alert)).toEqual(expect.arrayContaining(['UpgateLanePaused', 'UpgateQueueOld', 'UpgateStoreErrors', 'UpgateUpstream429s']));
    for (const rule of rules) {
      expect(rule).toMatchObject({ alert: expect.any(String), expr: expect.any(String), labels: { severity: expect.any(String) }, annotations: { summary: expect.any(String) } });
      for (const name of metricNamesIn(rule.expr as string)) expect(exposed(), `${rule.alert as string}: ${name}`).toContain(name);
    }
  });

  it('the Grafana dashboard is valid JSON whose panels query metrics the gateway exposes', () => {
    const dashboard = JSON.parse(readFileSync(dashboardFile, 'utf8')) as { uid: string; panels: Array<{ title: string; targets: Array<{ expr: string }> }> };
    expect(dashboard.uid).toBe('upgate');
    const titles = dashboard.panels.map((panel) => panel.title);
    for (const wanted of ['Uploads by outcome', 'Quota refusals by limit', 'Lane budget remaining', 'Lanes paused by the upstream', 'Queue depth', 'Oldest queued upload', 'Store errors by operation']) expect(titles).toContain(wanted);
    for (const panel of dashboard.panels) {
      expect(panel.targets.length).toBeGreaterThan(0);
      for (const { expr } of panel.targets) for (const name of metricNamesIn(expr)) expect(exposed(), `${panel.title}: ${name}`).toContain(name);
    }
  });

  it.runIf(hasPromtool)('the rules evaluate against the exposed series (promtool test rules on a paused lane)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'upgate-rules-'));
    const testFile = join(dir, 'paused.test.yml');
    writeFileSync(
      testFile,
      [
        `rule_files: [${join(process.cwd(), rulesFile)}]`,
        'evaluation_interval: 1m',
        'tests:',
        '  - interval: 1m',
        '    input_series:',
        "      - series: 'upgate_lane_paused{instance=\"a\",lane=\"lane1\"}'",
        "        values: '1x20'",
        '    alert_rule_test:',
        '      - eval_time: 16m',
        '        alertname: UpgateLanePaused',
        '        exp_alerts:',
        '          - exp_labels: { severity: warning, instance: a, lane: lane1 }',
        '            exp_annotations:',
        '              summary: "upgate lane lane1 paused by the upstream for 15 minutes"',
        "              description: \"The upstream answered 429 on this lane's address or credential. Check GET /admin/lanes; other lanes keep sending.\"",
        '',
      ].join('\n'),
    );
    expect(execFileSync('promtool', ['test', 'rules', testFile], { encoding: 'utf8' })).toContain('SUCCESS');
  });
});
