import { Command } from 'commander';
import { setFlagsFromString } from 'node:v8';
import { ConfigError, loadConfig } from '../config/load.js';
import { startGateway } from '../gateway.js';

/**
 * How far V8 lets the old generation grow past what the last full GC left before it collects again
 * (V8 picks 10–300% itself). The gateway's heap is small (~25 MB live) and nearly all it allocates
 * dies within a request; with V8's own choice the room left was smaller than the young generation,
 * so under load V8 kept a full collection going and finished one every ~100 ms (2–11 ms pauses):
 * 86 of them in 10 s at 200 uploads/s, the p99 of an upload +21 ms. At 300% the same run had 6, and
 * p99 +5…+9 ms (bench/, scenario 2; docs/benchmarks.md). A flag V8 reads at each collection, so it can be set here.
 */
const heapGrowingPercent = 300;

/** `upgate serve`: the gateway, configured from UPGATE_CONFIG (or config/default.yaml) and the environment. */
export function serveCommand(): Command {
  return new Command('serve')
    .description('run the gateway (embedded store unless REDIS_URL, store.redisUrl or store.redis is set)')
    .option('-c, --config <path>', 'YAML config file (default: $UPGATE_CONFIG or config/default.yaml)')
    .option('-p, --port <port>', 'listen port (default: $PORT or server.port)')
    .action(async (options: { config?: string; port?: string }) => {
      setFlagsFromString(`--heap-growing-percent=${heapGrowingPercent}`);
      const env = { ...process.env, ...(options.config && { UPGATE_CONFIG: options.config }), ...(options.port && { PORT: options.port }) };
      let config;
      try {
        config = loadConfig(env);
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        console.error(error.message);
        process.exit(1);
      }
      const gateway = await startGateway({ config }).catch((error: unknown) => {
        // Refusals to start (a spool another process holds, an invalid stored record) name their cause.
        if (!(error instanceof ConfigError)) throw error;
        console.error(error.message);
        process.exit(1);
      });
      const stop = (signal: string) => {
        gateway.logger.info({ signal }, 'shutting down');
        gateway.close().then(
          () => process.exit(0),
          (error: unknown) => {
            gateway.logger.error({ err: error }, 'shutdown failed');
            process.exit(1);
          },
        );
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
}
