// The upgate dashboard: polls GET /admin/overview every 2 s with the operator's admin token and
// redraws. History for the charts is kept here, in the tab (one hour of polls), so the gateway
// stays stateless about who is watching. Everything is written with textContent: no data is HTML.

const POLL_MS = 2000;
const HOUR_MS = 3_600_000;
const RATE_SPAN_MS = 60_000;
const TOKEN_KEY = 'upgate.adminToken';
const HISTORY_KEY = 'upgate.history';

const $ = (id) => document.getElementById(id);
const SVG_NS = 'http://www.w3.org/2000/svg';

let token = takeTokenFromUrl() ?? sessionStorage.getItem(TOKEN_KEY);
let samples = loadHistory();
let clockOffset = 0;
let pollTimer;

function takeTokenFromUrl() {
  const match = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (!match) return null;
  const value = decodeURIComponent(match[1]);
  sessionStorage.setItem(TOKEN_KEY, value);
  // Keep the token out of the address bar and the browser history.
  window.history.replaceState(null, '', location.pathname + location.search);
  return value;
}

function loadHistory() {
  try {
    return JSON.parse(sessionStorage.getItem(HISTORY_KEY) ?? '[]');
  } catch {
    return [];
  }
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

/** An element whose text counts down to `at` (epoch ms); the ticker keeps it current between polls. */
function countdown(at, prefix = '') {
  return el('span', { class: 'countdown', 'data-reset': at, 'data-prefix': prefix }, prefix + formatDuration(at - serverNow()));
}

function tick() {
  for (const node of document.querySelectorAll('[data-reset]')) {
    node.textContent = node.dataset.prefix + formatDuration(Number(node.dataset.reset) - serverNow());
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
    const badge = paused
      ? el('span', { class: 'badge paused' }, 'paused · ', countdown(lane.pausedUntil))
      : el('span', { class: `badge ${lane.remaining > 0 ? 'ready' : 'waiting'}` }, lane.remaining > 0 ? `${lane.remaining} ready` : 'out of budget');
    const windows = lane.windows.map((w) =>
      el('div', { class: 'window' },
        el('span', { class: 'wname' }, `${w.scope} ${formatWindow(w.windowMs)}`),
        meter(w.limit ? w.remaining / w.limit : 0, toneFor(w.limit ? w.remaining / w.limit : 0)),
        el('span', { class: 'wnum' }, `${w.remaining} / ${w.limit} left`),
        countdown(w.resetAt, 'resets in '),
      ));
    return el('div', { class: 'lane', 'data-lane': lane.id },
      el('div', { class: 'lane-head' }, el('strong', {}, lane.id), el('span', { class: 'muted' }, lane.localAddress ?? 'default address'), badge),
      windows,
      lane.credits ? creditsRow(lane.credits) : []);
  });
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
      countdown(w.resetAt),
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

function renderIps(ips) {
  const rows = ips.map((entry) => el('tr', {}, el('td', { class: 'mono' }, entry.ip), el('td', {}, windowChips(entry.windows))));
  $('ips').replaceChildren(...(rows.length ? rows : [el('tr', {}, el('td', { colspan: 2, class: 'muted' }, 'No traffic yet.'))]));
}

function renderFailures(failures) {
  const rows = failures.map((job) =>
    el('tr', {},
      el('td', { class: 'mono' }, job.id.slice(0, 12)),
      el('td', {}, job.keyId),
      el('td', {}, el('span', { class: 'code' }, String(job.error?.code ?? '')), ' ', job.error?.message ?? ''),
      el('td', { class: 'muted' }, formatDuration(serverNow() - Date.parse(job.finishedAt ?? job.createdAt)) + ' ago'),
    ));
  $('failures').replaceChildren(...(rows.length ? rows : [el('tr', {}, el('td', { colspan: 4, class: 'muted' }, 'No failures. All quiet.'))]));
}

function totalUploads(uploads) {
  return Object.values(uploads).reduce((sum, n) => sum + n, 0);
}

/** Uploads per minute at each sample, over the preceding minute of samples. */
function rateSeries(series) {
  let start = 0;
  return series.map((sample) => {
    while (start < series.length && series[start].t < sample.t - RATE_SPAN_MS) start++;
    const first = series[start];
    const span = sample.t - first.t;
    // Divided by at least a minute, so the first seconds of history do not extrapolate a burst.
    return { t: sample.t, v: span > 0 ? Math.max(0, ((sample.total - first.total) * 60_000) / Math.max(span, RATE_SPAN_MS)) : 0 };
  });
}

function niceMax(value) {
  if (value <= 4) return 4;
  const step = 10 ** Math.floor(Math.log10(value));
  return Math.ceil(value / step) * step;
}

function drawChart(node, series) {
  const width = node.clientWidth || 600;
  const height = node.clientHeight || 160;
  const pad = { left: 36, right: 8, top: 8, bottom: 20 };
  const innerW = width - pad.left - pad.right;
  const innerH = height - pad.top - pad.bottom;
  const end = serverNow();
  const max = niceMax(Math.max(0, ...series.map((p) => p.v)));
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
  node.replaceChildren(...parts);
}

function render(data) {
  clockOffset = data.now - Date.now();
  const total = totalUploads(data.uploads);
  samples.push({ t: data.now, depth: data.queue.depth, total });
  samples = samples.filter((sample) => sample.t >= data.now - HOUR_MS);
  sessionStorage.setItem(HISTORY_KEY, JSON.stringify(samples));
  const rates = rateSeries(samples);

  $('tile-depth').textContent = String(data.queue.depth);
  $('tile-oldest').textContent = data.queue.depth ? formatDuration(data.queue.oldestAgeMs) : '—';
  // drainEta is null (JSON for Infinity) while no lane can send at all.
  const eta = data.queue.drainEta;
  $('tile-eta').replaceChildren(!data.queue.depth ? '—' : Number.isFinite(eta) ? countdown(eta, 'in ') : 'stalled');
  $('tile-rate').textContent = rates.length ? rates[rates.length - 1].v.toFixed(1) : '0';
  $('tile-429').textContent = String(data.upstream['429'] ?? 0);

  renderLanes(data.lanes);
  renderKeys(data.keys, data.queue.byKey);
  renderIps(data.topIps);
  renderFailures(data.failures);
  drawChart($('chart-depth'), samples.map((s) => ({ t: s.t, v: s.depth })));
  drawChart($('chart-rate'), rates);
}

function setStatus(state, text) {
  const node = $('status');
  node.dataset.state = state;
  node.textContent = text;
}

function showLogin(message) {
  clearTimeout(pollTimer);
  $('board').hidden = true;
  $('forget').hidden = true;
  $('login').hidden = false;
  $('login-error').textContent = message ?? '';
  setStatus('idle', 'waiting for token');
  $('token').focus();
}

async function poll() {
  try {
    const response = await fetch('/admin/overview', { headers: { authorization: `Bearer ${token}` }, cache: 'no-store' });
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
      render(await response.json());
      setStatus('live', `live · updated ${new Date().toLocaleTimeString()}`);
    }
  } catch {
    setStatus('error', 'gateway unreachable; retrying');
  }
  pollTimer = setTimeout(poll, POLL_MS);
}

function start() {
  clearTimeout(pollTimer);
  $('login').hidden = true;
  $('board').hidden = false;
  $('forget').hidden = false;
  setStatus('idle', 'connecting…');
  poll();
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
