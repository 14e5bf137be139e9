import type { LoadResult } from './load.js';
import { shareOf } from './load.js';

/**
 * Says what is wrong when a run's answers are not the expected ones (a throughput of errors is no
 * throughput); undefined when at least 99% had `status` and nothing failed to answer.
 */
export function unexpectedAnswers(result: LoadResult, status: number): string | undefined {
  if (result.requests > 0 && shareOf(result, status) >= 0.99 && result.errors === 0) return undefined;
  return `expected ${status} answers, got ${JSON.stringify(result.statuses)} and ${result.errors} connection errors`;
}
