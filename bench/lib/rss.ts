import { readFileSync } from 'node:fs';

/** Resident memory of a process in bytes, from /proc (VmRSS). */
export function rssOf(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1024 : 0;
}

/**
 * Samples a process's RSS every `everyMs` until stopped and returns the peak seen. VmHWM would give
 * the all-time peak, but it includes start-up; sampling measures just the window of interest.
 */
export function watchPeakRss(pid: number, everyMs = 20): { stop(): number } {
  let peak = rssOf(pid);
  const timer = setInterval(() => {
    peak = Math.max(peak, rssOf(pid));
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, rssOf(pid));
    },
  };
}
