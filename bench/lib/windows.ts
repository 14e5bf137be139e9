import type { ReceivedRecord } from '../../src/simulator/stats.js';

export interface WindowUse {
  /** Uploads the upstream accepted within the first `windows` windows after the first upload. */
  used: number;
  /** What those windows allowed: windows × limit. */
  allowed: number;
  /** Milliseconds from each window's end to the next upload (the reopening delay), per window. */
  reopenDelaysMs: number[];
}

/**
 * How one egress address used the upstream's fixed windows, from the simulator's upload timestamps.
 * The span is `windows` windows long from the first upload: a late dispatch after a reopening shifts
 * the upstream's next window and so shows up as unused allowance, as it would cost on the real upstream.
 */
export function windowUse(uploads: readonly ReceivedRecord[], limit: number, windowMs: number, windows: number): WindowUse {
  const times = uploads.map((upload) => upload.at).sort((a, b) => a - b);
  const first = times[0];
  if (first === undefined) return { used: 0, allowed: windows * limit, reopenDelaysMs: [] };
  const end = first + windows * windowMs;
  const reopenDelaysMs: number[] = [];
  // The simulator's window starts at the first upload after the previous one ended (Imgur's fixed windows).
  let windowStart = first;
  for (const at of times) {
    if (at >= end) break;
    if (at >= windowStart + windowMs) {
      reopenDelaysMs.push(at - (windowStart + windowMs));
      windowStart = at;
    }
  }
  return { used: times.filter((at) => at < end).length, allowed: windows * limit, reopenDelaysMs };
}
