/** The demo's live view: redraws a few lines in place on a terminal, prints a plain line now and then otherwise. */

export interface AppProgress {
  id: string;
  /** Uploads that reached the upstream. */
  done: number;
  /** Uploads the upstream refused (direct phase) or that failed. */
  refused: number;
  total: number;
}

const barWidth = 30;

function bar(app: AppProgress): string {
  const cells = (count: number) => Math.round((count / Math.max(1, app.total)) * barWidth);
  const done = cells(app.done);
  const refused = Math.min(barWidth - done, cells(app.refused));
  return `${'█'.repeat(done)}${'×'.repeat(refused)}${'·'.repeat(barWidth - done - refused)}`;
}

export class ProgressView {
  private drawnLines = 0;
  private lastPlain = '';
  private lastPlainAt = 0;

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly plainEveryMs = 1_000,
  ) {}

  render(apps: AppProgress[], footer: string, force = false): void {
    if (this.out.isTTY) return this.redraw(apps, footer);
    const line = `  ${apps.map((app) => `${app.id} ${app.done}/${app.total}${app.refused ? ` (${app.refused} refused)` : ''}`).join(', ')} | ${footer}`;
    const now = Date.now();
    if (line === this.lastPlain || (!force && now - this.lastPlainAt < this.plainEveryMs)) return;
    this.lastPlain = line;
    this.lastPlainAt = now;
    this.out.write(`${line}\n`);
  }

  /** Keeps the last drawing on screen; the next render starts below it. */
  finish(): void {
    this.drawnLines = 0;
    this.lastPlain = '';
  }

  private redraw(apps: AppProgress[], footer: string): void {
    const width = Math.max(...apps.map((app) => app.id.length));
    const lines = [
      ...apps.map((app) => `  ${app.id.padEnd(width)}  ${bar(app)}  ${String(app.done).padStart(3)}/${app.total}${app.refused ? `  ${app.refused} refused` : ''}`),
      `  ${footer}`,
    ];
    // Cursor up over the previous drawing, then rewrite each line from its start.
    const up = this.drawnLines ? `\x1b[${this.drawnLines}F` : '';
    this.out.write(`${up}${lines.map((line) => `\x1b[2K${line}`).join('\n')}\n`);
    this.drawnLines = lines.length;
  }
}
