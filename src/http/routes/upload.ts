import { GatewayError, isGatewayError } from '../../errors/catalogue.js';
import type { Metrics } from '../../ops/metrics.js';
import type { SharedTotals } from '../../ops/shared-totals.js';
import type { CallbackSender } from '../../queue/callbacks.js';
import type { PayloadStore } from '../../store/payload-store.js';
import type { SubmitOutcome, UploadService } from '../../uploads/types.js';
import { hasKeyOutsideBody } from '../authenticate.js';
import { headerOf, pathOf, type GatewayRequest, type GatewayResponse } from '../handler.js';
import { readUpload, type ParsedUpload } from '../parse/read-upload.js';
import { requestIdOf } from '../request-log.js';
import { renderError, renderQueued, renderSuccess } from '../render/index.js';
import { formatForPath } from '../response-format.js';
import { identifyCaller, showQuota, type Caller, type KeyedRouteDeps } from './keyed-request.js';
import { ReadAhead } from './read-ahead.js';

export interface UploadRouteDeps extends KeyedRouteDeps {
  /** The durable store: where an upload that asks to be queued (`Prefer: respond-async`) is read into. */
  payloads: PayloadStore;
  /** This process's own buffers: where a synchronous upload is read into, so it can be forwarded straight. */
  held: PayloadStore;
  uploads: UploadService;
  callbacks: CallbackSender;
  metrics: Metrics;
  totals: SharedTotals;
}

/**
 * POST of an upload in any accepted form and format. When the key arrives outside the body it is
 * checked and charged before the body is read, so refused requests cost no upload bandwidth —
 * except a small body of a key that was admitted last time (see ReadAhead), which is read first so
 * its admission can go out with its claim. A key sent as a body field can only be checked once the
 * body is in. Input found bad after the charge is refunded, and a payload stored for a refused
 * request is released: nothing is charged or kept for what the gateway did not accept. A
 * synchronous upload is read into this process's held buffers (the queue forwards it straight when
 * nothing waits, and commits it durably first otherwise); when its body was read before its
 * admission, the admission, the claim and the lane reservation share one round trip. One that asks
 * for a 202 at once goes straight into the durable store.
 */
export function uploadHandler(deps: UploadRouteDeps) {
  const { config, admission, metrics } = deps;
  const readAhead = new ReadAhead();
  return async (req: GatewayRequest, res: GatewayResponse): Promise<void> => {
    const format = formatForPath(pathOf(req));
    res.locals.format = format;
    const respondAsync = /\brespond-async\b/i.test(headerOf(req, 'prefer') ?? '');
    const intake = respondAsync ? deps.payloads : deps.held;
    let caller: Caller | undefined;
    try {
      let outcome: SubmitOutcome | undefined;
      if (hasKeyOutsideBody(req)) {
        caller = await identifyCaller(req, res, deps);
        const { key, ip } = caller;
        if (intake === deps.held && readAhead.worthIt(key.id, req)) {
          outcome = await admitAlongside(caller, await readInput());
        } else {
          if (!(await admit(caller))) return;
          const upload = await readInput().catch(async (error: unknown) => {
            await admission.refund(key, ip);
            throw error;
          });
          outcome = await submit(caller, upload);
        }
      } else {
        const upload = await readInput();
        try {
          caller = await identifyCaller(req, res, deps, upload.key);
        } catch (error) {
          await upload.release();
          throw error;
        }
        outcome = intake === deps.held ? await admitAlongside(caller, upload) : await admitStored(caller, upload);
      }
      if (!outcome) return;
      res.locals.jobId = outcome.job.id;
      if (outcome.state === 'done' && outcome.lane) res.locals.lane = outcome.lane;
      if (outcome.state === 'done') renderSuccess(res, format, outcome.image);
      else renderQueued(res, format, outcome.job, outcome.retryAfterSeconds);
      count(caller.key.id, outcome.state, 0);
    } catch (error) {
      const code = isGatewayError(error) ? error.code : 0;
      const outcome = isGatewayError(error) && error.status < 500 ? 'rejected' : 'failed';
      count(caller?.key.id ?? '-', outcome, code);
      throw error;
    }

    /** Per process for Prometheus, and in the store for the dashboard (every instance's uploads). */
    function count(keyId: string, outcome: string, code: number): void {
      metrics.uploads.inc({ key: keyId, outcome, code });
      deps.totals.add('uploads', outcome);
    }

    /** Charges the upload, or answers the refusal: being over a limit is an answer, not an exception. */
    async function admit({ key, ip }: Caller): Promise<boolean> {
      const decision = await admission.admit(key, ip);
      readAhead.decided(key.id, decision.admitted);
      showQuota(res, deps, decision.windows);
      if (decision.admitted) return true;
      const refusal = new GatewayError('quotaExhausted', { retryAfterSeconds: decision.retryAfterSeconds ?? 1 });
      renderError(res, format, refusal);
      count(key.id, 'rejected', refusal.code);
      return false;
    }

    /**
     * An upload whose body is in: its admission goes out in the same round trip as its claim and
     * lane reservation (one wait instead of two); the queue forwards nothing until it says yes,
     * and undoes the claim when it says no. Undefined when refused (answered already).
     */
    async function admitAlongside(caller: Caller, upload: ParsedUpload): Promise<SubmitOutcome | undefined> {
      const admitted = admit(caller);
      const submitted = submit(caller, upload, admitted);
      // A refused upload's submit rejects too: the refusal is what the client is answered.
      submitted.catch(() => {});
      return (await admitted) ? submitted : undefined;
    }

    /** An upload whose body is in the durable store: admitted first, its payload released when refused. */
    async function admitStored(caller: Caller, upload: ParsedUpload): Promise<SubmitOutcome | undefined> {
      let admitted = false;
      try {
        admitted = await admit(caller);
      } finally {
        if (!admitted) await upload.release();
      }
      return admitted ? submit(caller, upload) : undefined;
    }

    /** The upload and its options, checked: anything refused here releases what was stored. */
    async function readInput(): Promise<ParsedUpload> {
      const upload = await readUpload(req, res, { payloads: intake, maxUploadBytes: config.server.maxUploadBytes });
      if (upload.callbackUrl) {
        await deps.callbacks.validate(upload.callbackUrl).catch(async (error: unknown) => {
          await upload.release();
          throw error;
        });
      }
      return upload;
    }

    function submit({ key, bearer }: Caller, upload: ParsedUpload, admitted?: Promise<boolean>) {
      const waitMs = respondAsync ? 0 : config.server.maxWait;
      const idempotencyKey = headerOf(req, 'idempotency-key');
      const requestId = requestIdOf(res);
      // From here the queue owns the request's payload reference.
      return deps.uploads.submit(
        {
          keyId: key.id,
          source: upload.source,
          fields: upload.fields,
          ...(bearer && { bearer }),
          ...(idempotencyKey && { idempotencyKey }),
          ...(upload.callbackUrl && { callbackUrl: upload.callbackUrl }),
          ...(requestId && { requestId }),
        },
        { waitMs, held: intake === deps.held, ...(admitted && { admitted }) },
      );
    }
  };
}
