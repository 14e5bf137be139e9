import type { LaneSpec, SubjectIndex } from './lane-spec.js';
import type { BudgetReport, RateLimitObservation, UpstreamAnswer } from './types.js';

/** One upstream report aimed at one window of a subject: the budget scripts tighten that window from it. */
export interface WindowReport {
  subject: SubjectIndex;
  name: string;
  /** A window the upstream told us about and we do not count from config: its limit and length are learned. */
  learned: boolean;
  limit?: number;
  remaining: number;
  inMs: number;
  exact: boolean;
  cost: number;
}

/** Longest pause when nothing says how long: a short window of the subject, at most a minute. */
const defaultPauseCapMs = 60_000;

/**
 * Where each report of an answer belongs. X-Post-Rate-Limit-* (POSTs of the address) is one of our
 * configured address windows only when its limit is that window's limit (and, given exactly, its
 * reset fits in that window); otherwise it is an upstream window we do not count, learned as one of
 * its own: it pauses until ITS reset and never consumes a longer window of ours (issue: a 10 s
 * window folded into our hour stalled the lane for an hour). X-RateLimit-User* are the address's
 * credits, always a learned window; X-RateLimit-Client* are the credential's credits. A report
 * without a limit only bounds the subject until its reset.
 */
export function windowReports(spec: LaneSpec, observed: RateLimitObservation): WindowReport[] {
  const reports: WindowReport[] = [];
  const { post, user, client } = observed;
  if (post) reports.push(postReport(spec, post));
  if (user) reports.push(learned(0, 'user', user, spec.uploadCost));
  if (client) reports.push(windowReport(1, 'credits', false, client, spec.uploadCost));
  return reports;
}

function postReport(spec: LaneSpec, post: BudgetReport): WindowReport {
  const matching = spec.windows
    .filter((w) => w.subject === 0 && w.cost === 1 && w.limit === post.limit && (!post.exact || w.windowMs + 1_000 >= post.resetInMs))
    .sort((a, b) => a.windowMs - b.windowMs)[0];
  return matching ? windowReport(0, matching.name, false, post, 1) : learned(0, 'post', post, 1);
}

function learned(subject: SubjectIndex, kind: string, report: BudgetReport, cost: number): WindowReport {
  return windowReport(subject, `${kind}:${report.limit ?? '?'}`, true, report, cost);
}

// Built field by field: a conditional spread here cost more than the rest of the report (one per answer).
function windowReport(subject: SubjectIndex, name: string, learned: boolean, report: BudgetReport, cost: number): WindowReport {
  const built: WindowReport = { subject, name, learned, remaining: report.remaining, inMs: report.resetInMs, exact: report.exact, cost };
  if (report.limit !== undefined) built.limit = report.limit;
  return built;
}

/** How long each subject pauses after a 429, and whether the counters it came with still showed room. */
export interface PausePlan {
  pauseMs: [number, number];
  withRoom: boolean;
}

/**
 * Who a 429 pauses, and for how long. The subject: the one the body names ("uploading too fast" is
 * the address; credits are the credential), else whichever reported budget is spent, else the
 * address (Imgur's per-IP limits are the usual cause). The length: Retry-After, else the exact reset
 * of the spent budget, else "Please wait N more minutes", else the spent budget's window length (an
 * upper bound), else a short default. Never longer than the upstream said.
 */
export function pausePlan(spec: LaneSpec, answer: Extract<UpstreamAnswer, { kind: 'rate-limited' }>): PausePlan {
  const { post, user, client } = answer.limits;
  const spent = (report: BudgetReport | undefined, cost: number) => report !== undefined && report.remaining < cost;
  const addressSpent = [post && spent(post, 1) ? post : undefined, user && spent(user, spec.uploadCost) ? user : undefined].filter((r): r is BudgetReport => r !== undefined);
  const clientSpent = client && spent(client, spec.uploadCost) ? [client] : [];
  const reported = [post, user, client].some((r) => r !== undefined);
  const withRoom = reported && addressSpent.length === 0 && clientSpent.length === 0;
  const subjects = new Set<SubjectIndex>();
  if (answer.subject) subjects.add(answer.subject === 'address' ? 0 : 1);
  else {
    if (addressSpent.length > 0) subjects.add(0);
    if (clientSpent.length > 0) subjects.add(1);
    if (subjects.size === 0) subjects.add(0);
  }
  const pauseMs: [number, number] = [0, 0];
  for (const subject of subjects) {
    const spentHere = subject === 0 ? addressSpent : clientSpent;
    const exact = spentHere.filter((r) => r.exact).map((r) => r.resetInMs);
    const bounds = spentHere.filter((r) => !r.exact).map((r) => r.resetInMs);
    pauseMs[subject] = Math.max(1, answer.limits.retryAfterMs ?? (exact.length > 0 ? Math.max(...exact) : undefined) ?? answer.waitMs ?? (bounds.length > 0 ? Math.min(...bounds) : undefined) ?? defaultPause(spec, subject));
  }
  return { pauseMs, withRoom };
}

function defaultPause(spec: LaneSpec, subject: SubjectIndex): number {
  return Math.min(defaultPauseCapMs, ...spec.windows.filter((w) => w.subject === subject).map((w) => w.windowMs));
}
