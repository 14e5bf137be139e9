// The upgate dashboard: polls GET /admin/overview every 2 s with the operator's admin token for the
// current state, and GET /admin/usage/history every 15 s for the last hour: the charts come from the
// gateway's own per-minute history, so a reload or a new tab shows the same hour.
// Everything is written with textContent: no data is HTML.

const POLL_MS = 2000;
const HISTORY_POLL_MS = 15_000;
const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;
/** Tiles average the last few complete minutes, so one quiet minute does not read as an outage. */
const RECENT_MINUTES = 5;
const TOKEN_KEY = 'upgate.adminToken';

import { createControls } from './controls.js';

const $ = (id) => document.getElementById(id);
const SVG_NS = 'http://www.w3.org/2000/svg';

let token = takeTokenFromUrl() ?? sessionStorage.getItem(TOKEN_KEY);
let history;
let clockOffset = 0;
let pollTimer;
let historyTimer;
let holds = { paused: false, heldLanes: {} };
const controls = createControls({
  getToken: () => token,
  refresh: () => {
    clearTimeout(pollTimer);
    poll();
  },
  report: (text, ok) => {
    $('action-status').textContent = text;
    $('action-status').dataset.ok = String(ok);
  },
});

function takeTokenFromUrl() {
  const match = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (!match) return null;
  const value = decodeURIComponent(match[1]);
  sessionStorage.setItem(TOKEN_KEY, value);
  // Keep the token out of the address bar and the browser history.
  window.history.replaceState(null, '', location.pathname + location.search);
  return value;
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'style') node.style.cssText = value;
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) if (child !== null && child !== undefined) node.append(child);
  return node;
}

function svg(tag, attrs = {}) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  return node;
}

function formatDuration(ms) {
  if (!Number.isFinite(ms) || ms <= 0) return 'now';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

/** A window's length as configured: `1h`, `5s`, `1d`. */
function formatWindow(ms) {
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]]) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

const serverNow = () => Date.now() + clockOffset;

/** "resets in 4m 10s", or the `due` wording once the time has come (never "in now"). */
function countdownText(at, prefix, due) {
  const ms = at - serverNow();
  return ms > 500 ? prefix + formatDuration(ms) : due;
}

/** An element whose text counts down to `at` (epoch ms); the ticker keeps it current between polls. */
function countdown(at, prefix = '', due = 'now') {
  return el('span', { class: 'countdown', 'data-reset': at, 'data-prefix': prefix, 'data-due': due }, countdownText(at, prefix, due));
}

function tick() {
  for (const node of document.querySelectorAll('[data-reset]')) {
    node.textContent = countdownText(Number(node.dataset.reset), node.dataset.prefix, node.dataset.due);
  }
}

function meter(fraction, tone) {
  const pct = Math.max(0, Math.min(1, fraction)) * 100;
  return el('div', { class: `meter ${tone}` }, el('div', { class: 'fill', style: `width:${pct.toFixed(1)}%` }));
}

function toneFor(fractionLeft) {
  return fractionLeft <= 0 ? 'empty' : fractionLeft < 0.25 ? 'low' : 'ok';
}

function renderLanes(lanes) {
  const rows = lanes.map((lane) => {
    const paused = lane.pausedUntil && lane.pausedUntil > serverNow();
    // Only an upstream 429 is an alarm. A lane that has spent its window is pacing, as designed:
    // it says when it sends again, in the same calm colour as the rest.
    const nextWindow = Math.min(...lane.windows.filter((w) => w.remaining <= 0).map((w) => w.resetAt));
    const held = lane.id in holds.heldLanes;
    const heldUntil = holds.heldLanes[lane.id];
    const badge = held
      ? el('span', { class: 'badge held' }, 'held by operator', heldUntil ? [' · ', countdown(heldUntil, 'resumes in ', 'resuming')] : '')
      : paused
      ? el('span', { class: 'badge paused' }, 'paused after 429 · ', countdown(lane.pausedUntil, 'resumes in ', 'resuming'))
      : lane.remaining > 0
        ? el('span', { class: 'badge ready' }, `${lane.remaining} ready`)
        : el('span', { class: 'badge pacing' }, 'pacing · ', Number.isFinite(nextWindow) ? countdown(nextWindow, 'next in ', 'sending') : 'waiting');
    const windows = lane.windows.map((w) =>
      el('div', { class: 'window' },
        el('span', { class: 'wname' }, `${w.scope} ${formatWindow(w.windowMs)}`),
        meter(w.limit ? w.remaining / w.limit : 0, toneFor(w.limit ? w.remaining / w.limit : 0)),
        el('span', { class: 'wnum' }, `${w.remaining} / ${w.limit} left`),
        countdown(w.resetAt, 'resets in ', 'fresh window'),
      ));
    return el('div', { class: 'lane', 'data-lane': lane.id },
      el('div', { class: 'lane-head' }, el('strong', {}, lane.id), el('span', { class: 'muted' }, lane.localAddress ?? 'default address'), badge),
      windows,
      lane.credits ? creditsRow(lane.credits) : [],
      controls.lane(lane, held));
  });
  $('queue-control').replaceChildren(holds.paused ? el('span', { class: 'badge held' }, 'queue paused: nothing is sent') : '', controls.queue(holds.paused));
  $('lanes').replaceChildren(...(rows.length ? rows : [el('p', { class: 'muted' }, 'No lanes configured.')]));
}

/** The credential's credits: what is left, the reserve never spent, and what the upstream last said. */
function creditsRow(credits) {
  const spendable = Math.max(0, credits.remaining - credits.reserve);
  const usable = Math.max(1, credits.limit - credits.reserve);
  return el('div', { class: 'window credits', 'data-credits': String(credits.remaining) },
    el('span', { class: 'wname' }, 'credits'),
    meter(spendable / usable, toneFor(spendable / usable)),
    el('span', { class: 'wnum' }, `${credits.remaining} / ${credits.limit} left · reserve ${credits.reserve}`),
    el('span', { class: 'muted' }, credits.upstream ? `upstream says ${credits.upstream.remaining}` : ''),
  );
}

function windowChips(windows) {
  return el('div', { class: 'chips' }, windows.map((w) =>
    el('div', { class: 'chip' },
      el('span', { class: 'wname' }, w.name),
      meter(w.limit ? w.used / w.limit : 1, w.remaining <= 0 ? 'empty' : w.used / (w.limit || 1) > 0.75 ? 'low' : 'ok'),
      el('span', { class: 'wnum' }, `${w.used} / ${w.limit}`),
      countdown(w.resetAt, 'resets in ', 'fresh window'),
    )));
}

function renderKeys(keys, byKey) {
  const rows = keys.map((key) =>
    el('tr', { 'data-key': key.id },
      el('td', {}, el('strong', {}, key.id)),
      el('td', {}, key.policy),
      el('td', { class: 'num' }, String(key.weight)),
      el('td', { class: 'num' }, String(byKey[key.id] ?? 0)),
      el('td', {}, windowChips(key.windows.filter((w) => w.scope === 'key'))),
    ));
  $('keys').replaceChildren(...(rows.length ? rows : [el('tr', {}, el('td', { colspan: 5, class: 'muted' }, 'No keys yet.'))]));
}

function renderWaiting(jobs) {
  const rows = jobs.map((job) =>
    el('tr', { 'data-job': job.id },
      el('td', { class: 'mono' }, job.id.slice(0, 12)),
      el('td', {}, job.keyId),
      el('td', { class: 'muted' }, formatDuration(serverNow() - Date.parse(job.createdAt)) + ' waiting'),
      el('td', {}, controls.cancel(job)),
    ));
  $('waiting').replaceChildren(...(rows.length ? rows : [el('tr', {}, el('td', { colspan: 4, class: 'muted' }, 'Nothing waiting.'))]));
}

function renderIps(ips) {
  const rows = ips.map((entry) => el('tr', {}, el('td', { class: 'mono' }, entry.ip), el('td', {}, windowChips(entry.windows))));
  $('ips').replaceChildren(...(rows.length ? rows : [el('tr', {}, el('td', { colspan: 2, class: 'muted' }, 'No traffic yet.'))]));
}

/** Refusals and failures of the last hour by code, from the history: quota, bad keys, no key … */
function reasonRows() {
  const all = history?.series.find((s) => s.subject === 'all');
  if (!all) return [];
  const byCode = new Map();
  for (const [name, count] of Object.entries(all.totals)) {
    const match = /^(refused|failed|jobFailed):(\d+)$/.exec(name);
    // An upstream failure (1021) of a synchronous upload is counted again as its job's failure: once here.
    if (!match || (match[1] === 'failed' && match[2] === '1021')) continue;
    const code = match[2];
    const entry = byCode.get(code) ?? { code, count: 0, kind: match[1] === 'refused' ? 'refused' : 'failed' };
    entry.count += count;
    byCode.set(code, entry);
  }
  return [...byCode.values()].sort((a, b) => b.count - a.count).map((entry) =>
    el('tr', { 'data-reason': entry.code },
      el('td', { class: 'muted' }, entry.kind),
      el('td', { class: 'num' }, `${entry.count}×`),
      el('td', {}, el('span', { class: 'code' }, entry.code), ' ', history.codes[entry.code] ?? ''),
      el('td', { class: 'muted' }, 'last hour'),
    ));
}

function renderFailures(failures) {
  const reasons = reasonRows();
  const rows = failures.map((job) =>
    el('tr', {},
      el('td', { class: 'mono' }, job.id.slice(0, 12)),
      el('td', {}, job.keyId),
      el('td', {}, el('span', { class: 'code' }, String(job.error?.code ?? '')), ' ', job.error?.message ?? ''),
      el('td', { class: 'muted' }, formatDuration(serverNow() - Date.parse(job.finishedAt ?? job.createdAt)) + ' ago'),
      el('td', {}, controls.retry(job)),
    ));
  $('failure-actions').replaceChildren(...(failures.length ? [controls.purge()] : []));
  $('reasons').replaceChildren(...(reasons.length ? reasons : [el('tr', {}, el('td', { colspan: 4, class: 'muted' }, 'No refusals in the last hour.'))]));
  $('failures').replaceChildren(...(rows.length ? rows : [el('tr', {}, el('td', { colspan: 5, class: 'muted' }, 'No failed jobs. All quiet.'))]));
}

/** One value per minute of the last hour (0 where the history has no bucket), from a bucket's counters. */
function minuteSeries(valueOf) {
  const all = history?.series.find((s) => s.subject === 'all');
  if (!all) return [];
  const byMinute = new Map(all.buckets.map((bucket) => [bucket.t, bucket.counters]));
  const points = [];
  for (let t = history.until - HOUR_MS; t < history.until; t += MINUTE_MS) {
    const value = valueOf(byMinute.get(t) ?? {});
    if (value !== undefined) points.push({ t: t + MINUTE_MS / 2, v: value });
  }
  return points;
}

const sumMatching = (counters, pattern) => Object.entries(counters).reduce((sum, [name, value]) => (pattern.test(name) ? sum + value : sum), 0);
const latencyOf = (counters) => (counters.latencyCount ? counters.latencyMs / counters.latencyCount : undefined);

/** Per minute over the last few minutes, the current one included (an upload a second ago counts). */
function recentRate(series) {
  const since = history.until - RECENT_MINUTES * MINUTE_MS;
  return series.filter((p) => p.t >= since).reduce((sum, p) => sum + p.v, 0) / RECENT_MINUTES;
}

function renderHistory() {
  const deliveries = minuteSeries((c) => c.delivered ?? 0);
  const refusals = minuteSeries((c) => sumMatching(c, /^refused:/));
  const latency = minuteSeries(latencyOf);
  const all = history.series.find((s) => s.subject === 'all');
  $('tile-rate').textContent = recentRate(deliveries).toFixed(1);
  const refused = sumMatching(all?.totals ?? {}, /^refused:/);
  $('hour-summary').textContent = `${all?.totals.delivered ?? 0} delivered · ${refused} refused`;
  const latencies = latency.slice(-RECENT_MINUTES);
  $('tile-latency').textContent = latencies.length ? `${Math.round(latencies.reduce((sum, p) => sum + p.v, 0) / latencies.length)} ms` : '—';
  $('tile-429').textContent = String(all?.totals['responses:429'] ?? 0);
  drawChart($('chart-deliveries'), deliveries, refusals);
  drawChart($('chart-latency'), latency, [], { dots: true });
}

function niceMax(value) {
  if (value <= 4) return 4;
  const step = 10 ** Math.floor(Math.log10(value));
  return Math.ceil(value / step) * step;
}

/** A line over the last hour; `dots` marks each point (for series with gaps, like latency in quiet minutes). */
function drawChart(node, series, second = [], { dots = false } = {}) {
  const width = node.clientWidth || 600;
  const height = node.clientHeight || 160;
  const pad = { left: 36, right: 8, top: 8, bottom: 20 };
  const innerW = width - pad.left - pad.right;
  const innerH = height - pad.top - pad.bottom;
  const end = serverNow();
  const max = niceMax(Math.max(0, ...series.map((p) => p.v), ...second.map((p) => p.v)));
  const x = (t) => pad.left + ((t - (end - HOUR_MS)) / HOUR_MS) * innerW;
  const y = (v) => pad.top + innerH - (v / max) * innerH;
  node.setAttribute('viewBox', `0 0 ${width} ${height}`);
  const parts = [];
  for (const fraction of [0, 0.5, 1]) {
    const v = max * fraction;
    parts.push(svg('line', { x1: pad.left, x2: width - pad.right, y1: y(v), y2: y(v), class: 'grid-line' }));
    const label = svg('text', { x: pad.left - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'axis' });
    label.textContent = Number.isInteger(v) ? String(v) : v.toFixed(1);
    parts.push(label);
  }
  for (const [t, text, anchor] of [[end - HOUR_MS, '−60m', 'start'], [end - HOUR_MS / 2, '−30m', 'middle'], [end, 'now', 'end']]) {
    const label = svg('text', { x: x(t), y: height - 4, 'text-anchor': anchor, class: 'axis' });
    label.textContent = text;
    parts.push(label);
  }
  if (series.length > 1) {
    const line = series.map((p, i) => `${i ? 'L' : 'M'}${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join('');
    const last = series[series.length - 1];
    parts.push(svg('path', { d: `${line}L${x(last.t).toFixed(1)},${y(0)}L${x(series[0].t).toFixed(1)},${y(0)}Z`, class: 'area' }));
    parts.push(svg('path', { d: line, class: 'line' }));
  }
  if (dots) for (const p of series) parts.push(svg('circle', { cx: x(p.t).toFixed(1), cy: y(p.v).toFixed(1), r: 2.5, class: 'dot' }));
  if (second.length > 1) parts.push(svg('path', { d: second.map((p, i) => `${i ? 'L' : 'M'}${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join(''), class: 'line-second' }));
  node.replaceChildren(...parts);
}

function render(data) {
  clockOffset = data.now - Date.now();
  $('tile-depth').textContent = String(data.queue.depth);
  $('tile-oldest').textContent = data.queue.depth ? formatDuration(data.queue.oldestAgeMs) : '—';
  // drainEta is null (JSON for Infinity) while no lane can send at all.
  const eta = data.queue.drainEta;
  $('tile-eta').replaceChildren(!data.queue.depth ? '—' : Number.isFinite(eta) ? countdown(eta, '~', 'any moment') : 'stalled');

  renderLanes(data.lanes);
  renderKeys(data.keys, data.queue.byKey);
  renderIps(data.topIps);
  renderFailures(data.failures);
}

function setStatus(state, text) {
  const node = $('status');
  node.dataset.state = state;
  node.textContent = text;
}

function showLogin(message) {
  clearTimeout(pollTimer);
  clearTimeout(historyTimer);
  $('board').hidden = true;
  $('forget').hidden = true;
  $('login').hidden = false;
  $('login-error').textContent = message ?? '';
  setStatus('idle', 'waiting for token');
  $('token').focus();
}

async function poll() {
  try {
    const headers = { authorization: `Bearer ${token}` };
    const [response, held] = await Promise.all([fetch('/admin/overview', { headers, cache: 'no-store' }), fetch('/admin/queue', { headers, cache: 'no-store' })]);
    if (held.ok) holds = await held.json();
    if (response.status === 401) {
      sessionStorage.removeItem(TOKEN_KEY);
      token = null;
      showLogin('The gateway refused that token.');
      return;
    }
    if (response.status === 404) {
      setStatus('error', 'admin API disabled on this gateway (set UPGATE_ADMIN_TOKEN)');
    } else if (!response.ok) {
      setStatus('error', `gateway answered ${response.status}; retrying`);
    } else {
      const data = await response.json();
      render(data);
      // The oldest waiting jobs, to cancel one: read only while something waits.
      const waiting = data.queue.depth > 0 ? await fetch('/admin/jobs?status=queued&limit=10', { headers, cache: 'no-store' }).then((r) => (r.ok ? r.json() : { jobs: [] })) : { jobs: [] };
      renderWaiting(waiting.jobs);
      setStatus('live', `live · updated ${new Date().toLocaleTimeString()}`);
    }
  } catch {
    setStatus('error', 'gateway unreachable; retrying');
  }
  pollTimer = setTimeout(poll, POLL_MS);
}

async function pollHistory() {
  try {
    const response = await fetch('/admin/usage/history?since=1h', { headers: { authorization: `Bearer ${token}` }, cache: 'no-store' });
    if (response.ok) {
      history = await response.json();
      renderHistory();
      $('board').dataset.history = 'drawn';
    }
  } catch {
    // The overview poll reports the gateway unreachable; the history is tried again on the next round.
  }
  historyTimer = setTimeout(pollHistory, HISTORY_POLL_MS);
}

function start() {
  clearTimeout(pollTimer);
  clearTimeout(historyTimer);
  $('login').hidden = true;
  $('board').hidden = false;
  $('forget').hidden = false;
  setStatus('idle', 'connecting…');
  poll();
  pollHistory();
}

$('login').addEventListener('submit', (event) => {
  event.preventDefault();
  token = $('token').value.trim();
  if (!token) return;
  sessionStorage.setItem(TOKEN_KEY, token);
  $('token').value = '';
  start();
});

$('forget').addEventListener('click', () => {
  sessionStorage.removeItem(TOKEN_KEY);
  token = null;
  showLogin();
});

// A #token=… link opened on a tab that already shows the page changes only the hash.
window.addEventListener('hashchange', () => {
  const fromUrl = takeTokenFromUrl();
  if (fromUrl) {
    token = fromUrl;
    start();
  }
});

setInterval(tick, 1000);
if (token) start();
else showLogin();
