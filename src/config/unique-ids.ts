import type { z } from 'zod';

/** Adds an issue for every entry whose `id` an earlier entry already has, naming both. */
export function uniqueIds(ctx: z.RefinementCtx, entries: ReadonlyArray<{ id: string }>, path: Array<string | number>): void {
  const seen = new Map<string, number>();
  entries.forEach((entry, i) => {
    const first = seen.get(entry.id);
    if (first === undefined) seen.set(entry.id, i);
    else ctx.addIssue({ code: 'custom', path: [...path, i, 'id'], message: `duplicate id "${entry.id}" (also ${path.join('.')}.${first})` });
  });
}
