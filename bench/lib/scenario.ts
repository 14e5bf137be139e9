import type { BenchRedis } from './redis-server.js';
import type { Row } from './report.js';

/** What every scenario gets: the run's private Redis and a fresh key prefix per use. */
export interface BenchContext {
  redis: BenchRedis;
  prefix(name: string): string;
}

export interface Scenario {
  /** Short name, used to pick scenarios on the command line. */
  name: string;
  run(context: BenchContext): Promise<Row[]>;
}
