import { Command } from 'commander';
import type { QuotaWindowState } from '../quota/types.js';
import { createAdminClient, withAdminFlags, type AdminFlags } from './admin-client.js';
import { humanDuration, printJson, table } from './format.js';
import { action } from './run.js';

interface UsageView {
  keys: Array<{ id: string; policy: string; weight: number; windows: QuotaWindowState[] }>;
  topIps: Array<{ ip: string; windows: QuotaWindowState[] }>;
}

function rows(subject: string, windows: QuotaWindowState[], now: number): string[][] {
  return windows.map((w, index) => [index === 0 ? subject : '', w.name, `${w.used}/${w.limit}`, String(w.remaining), humanDuration(w.resetAt - now)]);
}

/** `upgate usage`: every key's windows (and the busiest client IPs) as an aligned table, or JSON. */
export function usageCommand(): Command {
  return withAdminFlags(new Command('usage').description("show every key's quota windows and the busiest client IPs").option('--json', 'print JSON for scripts')).action(
    action(async (flags: AdminFlags & { json?: boolean }) => {
      const usage = await createAdminClient(flags).request<UsageView>('GET', '/admin/usage');
      if (flags.json) return printJson(usage);
      const now = Date.now();
      const header = ['KEY', 'WINDOW', 'USED/LIMIT', 'REMAINING', 'RESETS IN'];
      const keyRows = usage.keys.flatMap((key) => rows(key.id, key.windows.filter((w) => w.scope === 'key'), now));
      let out = keyRows.length ? table(header, keyRows) : 'no keys';
      const ipRows = usage.topIps.flatMap((entry) => rows(entry.ip, entry.windows, now));
      if (ipRows.length) out += `\n\n${table(['CLIENT IP', ...header.slice(1)], ipRows)}`;
      process.stdout.write(`${out}\n`);
    }),
  );
}
