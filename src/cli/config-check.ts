import { Command } from 'commander';
import { ConfigError, loadConfig } from '../config/load.js';
import { action, CliError } from './run.js';
import { redisTargetOf } from '../redis/target.js';

/** `upgate config check FILE`: loads FILE as `serve` would (with the environment's overrides) and says what it configures. */
export function configCommand(): Command {
  const config = new Command('config').description('work with config files');
  config
    .command('check <file>')
    .description('validate a YAML config file as `serve` would load it (environment overrides included); exit 1 naming the offending key')
    .action(
      action(async (file: string) => {
        let loaded;
        try {
          loaded = loadConfig({ ...process.env, UPGATE_CONFIG: file });
        } catch (error) {
          if (error instanceof ConfigError) throw new CliError(error.message);
          throw error;
        }
        const target = redisTargetOf(loaded.store);
        const store = target ? `${target.mode === 'single' ? '' : `${target.mode} `}redis` : 'embedded';
        const lanes = loaded.upstream.lanes.length;
        process.stdout.write(`${file}: ok — ${loaded.keys.length} static keys, ${lanes} lanes to ${loaded.upstream.url}, ${store} store, admin API ${loaded.admin.token ? 'on' : 'off'}\n`);
        if (lanes === 0) process.stdout.write('note: no upstream lanes: uploads cannot be sent (set upstream.lanes or UPSTREAM_CLIENT_ID)\n');
      }),
    );
  return config;
}
