import { Command, InvalidArgumentError, Option } from 'commander';
import { formatDuration, parseDuration } from '../config/units.js';
import { createAdminClient, withAdminFlags, type AdminFlags } from './admin-client.js';
import { humanDuration, printJson, table } from './format.js';
import { action, CliError } from './run.js';

interface WindowSpec {
  limit: number;
  window: string;
}

interface KeyView {
  id: string;
  source: 'config' | 'store';
  policy: 'all' | 'any';
  weight: number;
  createdAt?: string;
  quotas?: { policy?: string; perKey?: Array<{ limit: number; window: number }>; perIp?: Array<{ limit: number; window: number }> };
  windows?: Array<{ name: string; used: number; limit: number; remaining: number; resetAt: number }>;
}

interface QuotaFlags {
  weight?: number;
  policy?: 'all' | 'any';
  perKey?: WindowSpec[];
  perIp?: WindowSpec[];
  json?: boolean;
}

/** `500/1d` → { limit: 500, window: '1d' }, collected across repeated or space-separated values. */
function windowSpec(value: string, previous: WindowSpec[] = []): WindowSpec[] {
  const match = /^(\d+)\/(.+)$/.exec(value.trim());
  if (!match || !parseDuration(match[2]!)) throw new InvalidArgumentError(`expected LIMIT/WINDOW like "500/1d", got "${value}"`);
  return [...previous, { limit: Number(match[1]), window: match[2]! }];
}

function positive(value: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) throw new InvalidArgumentError(`expected a positive number, got "${value}"`);
  return number;
}

function quotaOptions(command: Command): Command {
  return command
    .option('--weight <n>', 'share of scarce upstream budget relative to other keys', positive)
    .addOption(new Option('--policy <policy>', 'all: every limit needs room; any: reject only when key AND IP are exhausted').choices(['all', 'any']))
    .option('--per-key <limit/window...>', 'limits of the key, e.g. 500/1d 50/1h', windowSpec)
    .option('--per-ip <limit/window...>', 'limits of each client IP using the key', windowSpec)
    .option('--json', 'print JSON');
}

function quotasOf(flags: QuotaFlags) {
  const quotas = { ...(flags.policy && { policy: flags.policy }), ...(flags.perKey && { perKey: flags.perKey }), ...(flags.perIp && { perIp: flags.perIp }) };
  return Object.keys(quotas).length > 0 ? quotas : undefined;
}

const limits = (list?: Array<{ limit: number; window: number }>) => list?.map((w) => `${w.limit}/${formatDuration(w.window)}`).join(' ') ?? 'default';

function printKeys(keys: KeyView[]): void {
  const rows = keys.map((key) => [key.id, key.source, key.policy, String(key.weight), limits(key.quotas?.perKey), limits(key.quotas?.perIp), key.createdAt ?? '']);
  process.stdout.write(`${table(['KEY', 'SOURCE', 'POLICY', 'WEIGHT', 'PER KEY', 'PER IP', 'CREATED'], rows)}\n`);
}

function printKey(key: KeyView): void {
  printKeys([key]);
  if (!key.windows?.length) return;
  const now = Date.now();
  const rows = key.windows.map((w) => [w.name, `${w.used}/${w.limit}`, String(w.remaining), humanDuration(w.resetAt - now)]);
  process.stdout.write(`\n${table(['WINDOW', 'USED', 'REMAINING', 'RESETS IN'], rows)}\n`);
}

/** `upgate keys create|list|show|set|reset|revoke`: manage gateway API keys over the admin API. */
export function keysCommand(): Command {
  const keys = new Command('keys').description('manage gateway API keys on a running gateway (admin API)');

  quotaOptions(withAdminFlags(keys.command('create <id>').description('create a key and print its secret (shown only once)'))).action(
    action(async (id: string, flags: QuotaFlags & AdminFlags) => {
      const created = await createAdminClient(flags).request<{ id: string; key: string }>('POST', '/admin/keys', { id, quotas: quotasOf(flags), weight: flags.weight });
      if (flags.json) return printJson(created);
      process.stdout.write(`created key ${created.id}\nsecret: ${created.key}\n(store it now: it is not shown again)\n`);
    }),
  );

  withAdminFlags(keys.command('list').description('list active keys').option('--json', 'print JSON')).action(
    action(async (flags: AdminFlags & { json?: boolean }) => {
      const { keys: list } = await createAdminClient(flags).request<{ keys: KeyView[] }>('GET', '/admin/keys');
      if (flags.json) return printJson(list);
      printKeys(list);
    }),
  );

  withAdminFlags(keys.command('show <id>').description("show one key and its current windows").option('--json', 'print JSON')).action(
    action(async (id: string, flags: AdminFlags & { json?: boolean }) => {
      const key = await createAdminClient(flags).request<KeyView>('GET', `/admin/keys/${encodeURIComponent(id)}`);
      if (flags.json) return printJson(key);
      printKey(key);
    }),
  );

  quotaOptions(withAdminFlags(keys.command('set <id>').description("change a key's limits, policy or weight (limits given replace the key's limits of that kind)")))
    .option('--default-quotas', "drop the key's own quotas: it follows the gateway's defaults")
    .action(
      action(async (id: string, flags: QuotaFlags & AdminFlags & { defaultQuotas?: boolean }) => {
        const client = createAdminClient(flags);
        const path = `/admin/keys/${encodeURIComponent(id)}`;
        const given = quotasOf(flags);
        let quotas: unknown;
        if (flags.defaultQuotas) quotas = null;
        else if (given) quotas = { ...(await client.request<KeyView>('GET', path)).quotas, ...given };
        if (quotas === undefined && flags.weight === undefined) throw new CliError('nothing to change: give --weight, --policy, --per-key, --per-ip or --default-quotas', 2);
        const updated = await client.request<KeyView>('PATCH', path, { quotas, weight: flags.weight });
        if (flags.json) return printJson(updated);
        printKeys([updated]);
      }),
    );

  withAdminFlags(keys.command('reset <id>').description("clear a key's quota counters")).action(
    action(async (id: string, flags: AdminFlags) => {
      await createAdminClient(flags).request('POST', `/admin/keys/${encodeURIComponent(id)}/reset`);
      process.stdout.write(`reset the counters of key ${id}\n`);
    }),
  );

  withAdminFlags(keys.command('revoke <id>').description('revoke a key on every instance')).action(
    action(async (id: string, flags: AdminFlags) => {
      await createAdminClient(flags).request('DELETE', `/admin/keys/${encodeURIComponent(id)}`);
      process.stdout.write(`revoked key ${id}\n`);
    }),
  );

  return keys;
}
