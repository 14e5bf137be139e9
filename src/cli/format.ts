import { formatDuration } from '../config/units.js';

/** Plain-text helpers for CLI output: aligned tables and human durations. */

/** Columns padded to their widest cell; numbers-looking columns are right-aligned. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const numeric = header.map((_, column) => rows.length > 0 && rows.every((row) => /^[\d./\s-]*$/.test(row[column] ?? '')));
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => (numeric[column] ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

/** `4s`, `2m 05s`, `1h 02m`, `3d 4h`; `now` for anything already past. */
export function humanDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms <= 0) return 'now';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

/**
 * JSON for scripts, with window lengths written as the config writes them (`"window": "1m"`, not
 * 60000 ms): the admin API's `windowMs` of a counted window, and the millisecond `window` of a key's quotas.
 */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(withConfigDurations(value), null, 2)}\n`);
}

function withConfigDurations(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withConfigDurations);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([name, field]) => ((name === 'windowMs' || name === 'window') && typeof field === 'number' ? ['window', formatDuration(field)] : [name, withConfigDurations(field)])),
  );
}
