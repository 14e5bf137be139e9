import { Command } from 'commander';
import { ConfigError, loadConfig } from '../config/load.js';
import { startGateway } from '../gateway.js';

/** `upgate serve`: the gateway, configured from UPGATE_CONFIG (or config/default.yaml) and the environment. */
export function serveCommand(): Command {
  return new Command('serve')
    .description('run the gateway (embedded store unless REDIS_URL, store.redisUrl or store.redis is set)')
    .option('-c, --config <path>', 'YAML config file (default: $UPGATE_CONFIG or config/default.yaml)')
    .option('-p, --port <port>', 'listen port (default: $PORT or server.port)')
    .action(async (options: { config?: string; port?: string }) => {
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
