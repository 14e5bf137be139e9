import type { Clock } from '../clock.js';
import { failure, secondsUntil, type Answer } from './answers.js';
import { FixedWindows, type WindowLimit } from './fixed-windows.js';
import type { StatsRecorder } from './stats.js';
import { withHeaders, type UpstreamLimits } from './upstream-limits.js';

export interface ImgurProfileOptions {
  /** The unreported per-IP upload limit (historically 50/1h + 200/1d): seen only as "You are uploading too fast". */
  hiddenIpLimits: readonly WindowLimit[];
  /** POSTs per IP, reported as X-Post-Rate-Limit-* (reset: a real countdown). Default 1250/1h. */
  postLimit: WindowLimit;
  /** Credits per IP, reported as X-RateLimit-User* (reset: the window length, on every answer). Default 2000/1h. */
  userCredits: WindowLimit;
  /** Credits per credential, reported as X-RateLimit-Client* (reset: the window length). Default 12500/1d. */
  clientCredits: WindowLimit;
  uploadCost: number;
  /** Share of uploads refused with a 429 while every counter shows room. Default 0. */
  spurious429: number;
  /** Share of uploads answered 403 "over capacity". Default 0. */
  overCapacity: number;
  /** Seed of the draws above, so a run is repeatable. */
  seed: number;
  stats: StatsRecorder;
  clock: Clock;
}

const overCapacityMessage = 'Imgur is temporarily over capacity. Please try again later.';

/**
 * Imgur as its clients have seen it (docs/queue-and-budgets.md): credits with an upload cost, reset
 * headers that are window lengths, 429s in its several body shapes and without Retry-After, a
 * hidden per-IP upload limit, the odd 429 with room left, and 403 "over capacity".
 */
export function imgurLimits(options: ImgurProfileOptions): UpstreamLimits {
  const { clock, uploadCost, stats } = options;
  const hidden = new FixedWindows(options.hiddenIpLimits, clock);
  const posts = new FixedWindows([options.postLimit], clock);
  const users = new FixedWindows([options.userCredits], clock);
  const clients = new FixedWindows([options.clientCredits], clock);
  const random = seeded(options.seed);

  function headers(ip: string, clientKey: string | undefined): Record<string, string> {
    const post = posts.standing(ip)!;
    const user = users.standing(ip)!;
    const result: Record<string, string> = {
      'x-post-rate-limit-limit': String(post.limit),
      'x-post-rate-limit-remaining': String(post.remaining),
      'x-post-rate-limit-reset': String(secondsUntil(post.resetAt, clock())),
      'x-ratelimit-userlimit': String(user.limit),
      'x-ratelimit-userremaining': String(user.remaining),
      // Seen on every answer: the window's length, not when it resets.
      'x-ratelimit-userreset': String(Math.round(options.userCredits.windowMs / 1000)),
    };
    if (clientKey !== undefined) {
      const client = clients.standing(clientKey)!;
      Object.assign(result, {
        'x-ratelimit-clientlimit': String(client.limit),
        'x-ratelimit-clientremaining': String(client.remaining),
        'x-ratelimit-clientreset': String(Math.round(options.clientCredits.windowMs / 1000)),
      });
    }
    return result;
  }

  function refuse(answer: Answer, cause: string, ip: string, clientKey: string) {
    return { answer: withHeaders(answer, headers(ip, clientKey)), cause };
  }

  return {
    admit(ip, clientKey, path) {
      // Draws happen for every upload, in order, so a seed gives the same run every time.
      const [spurious, busy] = [random() < options.spurious429, random() < options.overCapacity];
      if (busy) {
        stats.overloaded();
        return { answer: withHeaders(failure(403, overCapacityMessage, 'json', path), headers(ip, clientKey)), cause: 'over-capacity' };
      }
      if (clients.blockedUntil(clientKey, uploadCost)) return refuse(failure(429, 'Too Many Requests', 'json-api', path), 'client', ip, clientKey);
      if (posts.blockedUntil(ip) || users.blockedUntil(ip, uploadCost)) return refuse(failure(429, 'Too Many Requests', 'json', path), posts.blockedUntil(ip) ? 'post' : 'user', ip, clientKey);
      const hiddenUntil = hidden.blockedUntil(ip);
      if (hiddenUntil) {
        const minutes = Math.max(1, Math.ceil((hiddenUntil - clock()) / 60_000));
        return refuse(failure(429, `You are uploading too fast. Please wait ${minutes} more minutes.`, 'data-error-object', path), 'hidden', ip, clientKey);
      }
      if (spurious) return refuse(failure(429, 'Too Many Requests', 'html', path), 'spurious', ip, clientKey);
      hidden.count(ip);
      posts.count(ip);
      users.count(ip, uploadCost);
      clients.count(clientKey, uploadCost);
      stats.credits(clientKey, clients.standing(clientKey)!.remaining);
      return undefined;
    },
    headers,
    clear() {
      for (const windows of [hidden, posts, users, clients]) windows.clear();
    },
  };
}

/** mulberry32: a tiny seedable generator, hand-written because tests need repeatable draws, not quality randomness. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
