import { z } from 'zod';

/** Who a fault is meant for: any upload when both are absent. */
const target = {
  clientId: z.string().optional(),
  ip: z.string().optional(),
};

/** Error bodies in the shapes real upstreams have been seen to send. */
export const errorBodyShapes = ['json', 'html', 'errors-array', 'json-api', 'data-error-object', 'error-string', 'empty'] as const;
export type ErrorBodyShape = (typeof errorBodyShapes)[number];

const faultSchema = z.discriminatedUnion('kind', [
  /** Answers `status` with an error body of the given shape. */
  z.strictObject({ kind: z.literal('status'), status: z.number().int().min(200).max(599), body: z.enum(errorBodyShapes).default('json'), message: z.string().optional(), ...target }),
  /** Destroys the connection without an answer. */
  z.strictObject({ kind: z.literal('reset'), ...target }),
  /** Waits `ms` before handling the upload normally. */
  z.strictObject({ kind: z.literal('latency'), ms: z.number().int().nonnegative(), ...target }),
  /** A 429 in JSON:API shape with X-RateLimit-ClientRemaining 0, as if another app had spent the credential's credits. */
  z.strictObject({ kind: z.literal('credits-spent'), ...target }),
  /** A 429 as if the limit were reached, JSON or HTML, with or without Retry-After. */
  z.strictObject({ kind: z.literal('rate-limit'), html: z.boolean().default(false), retryAfter: z.union([z.boolean(), z.number().int().nonnegative()]).default(true), ...target }),
]);

export type Fault = z.infer<typeof faultSchema>;

/** Body of `POST /_sim/faults`: faults for the next uploads (appended), and the latency of every answer. */
export const faultRequestSchema = z.strictObject({
  next: z.array(faultSchema).default([]),
  latencyMs: z.number().int().nonnegative().optional(),
});

export type FaultRequest = z.input<typeof faultRequestSchema>;

/** Faults waiting for the uploads they target, taken in the order they were queued. */
export class FaultQueue {
  private pending: Fault[] = [];

  add(faults: Fault[]): void {
    this.pending.push(...faults);
  }

  /** Removes and returns the first fault meant for this upload, if any. */
  take(clientId: string | undefined, ip: string): Fault | undefined {
    const index = this.pending.findIndex((fault) => (fault.clientId === undefined || fault.clientId === clientId) && (fault.ip === undefined || fault.ip === ip));
    return index === -1 ? undefined : this.pending.splice(index, 1)[0];
  }

  get size(): number {
    return this.pending.length;
  }

  clear(): void {
    this.pending = [];
  }
}
