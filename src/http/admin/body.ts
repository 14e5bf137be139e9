import { z } from 'zod';
import { corsOriginSchema, quotaOverrideSchema, weightSchema } from '../../config/schema.js';
import { GatewayError } from '../../errors/catalogue.js';

const keyId = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'ids are 1-64 letters, digits, "_", "." or "-"');
const weight = weightSchema;

const corsOrigins = z.array(corsOriginSchema).max(100);

export const createKeyBody = z.strictObject({ id: keyId, quotas: quotaOverrideSchema.optional(), weight: weight.optional(), corsOrigins: corsOrigins.optional() });

/** `quotas: null` drops a key's override (it falls back to the gateway's defaults). */
export const changeKeyBody = z
  .strictObject({ quotas: quotaOverrideSchema.nullable().optional(), policy: z.enum(['all', 'any']).optional(), weight: weight.optional(), corsOrigins: corsOrigins.nullable().optional() })
  .refine((body) => Object.keys(body).length > 0, 'nothing to change: send quotas, policy, weight or corsOrigins');

export const jobsQuery = z.object({
  status: z.enum(['queued', 'active', 'done', 'failed']).optional(),
  key: keyId.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(50),
});

/** Parses admin input, answering 400/9000 with the offending field named. */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const message = result.error.issues
    .map((issue) => {
      const field = issue.path.join('.');
      if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => `unknown field "${field ? `${field}.` : ''}${key}"`).join('; ');
      return field ? `"${field}": ${issue.message}` : issue.message;
    })
    .join('; ');
  throw new GatewayError('malformed', { message });
}
