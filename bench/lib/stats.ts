/** Nearest-rank percentile of `values` (need not be sorted); NaN for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** Middle value (mean of the two middle ones for an even count); NaN for none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export interface LatencySummary {
  p50: number;
  p99: number;
  mean: number;
  count: number;
}

export function summarise(latenciesMs: readonly number[]): LatencySummary {
  const sum = latenciesMs.reduce((total, value) => total + value, 0);
  return { p50: percentile(latenciesMs, 50), p99: percentile(latenciesMs, 99), mean: sum / latenciesMs.length, count: latenciesMs.length };
}
