import { GatewayError, isGatewayError } from '../../errors/catalogue.js';
import type { Metrics } from '../../ops/metrics.js';
import type { SharedTotals } from '../../ops/shared-totals.js';
import type { CallbackSender } from '../../queue/callbacks.js';
import type { PayloadStore } from '../../store/payload-store.js';
import type { UploadService } from '../../uploads/types.js';
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
 * checked and charged before the body is read (or while it is, for a small body of a key that was
 * admitted last time: see ReadAhead), so refused requests cost no upload bandwidth; a key
 * sent as a body field can only be checked once the body is in. Input found bad after the charge is
 * refunded, and a payload stored for a refused request is released: nothing is charged or kept for
 * what the gateway did not accept. A synchronous upload is read into this process's held buffers
 * (the queue forwards it straight when nothing waits, and commits it durably first otherwise); one
 * that asks for a 202 at once goes straight into the durable store.
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
      let upload: ParsedUpload;
      if (hasKeyOutsideBody(req)) {
        caller = await identifyCaller(req, res, deps);
        const { key, ip } = caller;
        const early = intake === deps.held && readAhead.worthIt(key.id, req) ? readInput() : undefined;
        // Until the decision is known, its failure is answered there, not as an unhandled rejection.
        early?.catch(() => {});
        let admitted = false;
        try {
          admitted = await admit(caller);
        } finally {
          if (!admitted) early?.then((unwanted) => unwanted.release()).catch(() => {});
        }
        if (!admitted) return;
        upload = await (early ?? readInput()).catch(async (error: unknown) => {
          await admission.refund(key, ip);
          throw error;
        });
      } else {
        upload = await readInput();
        let admitted = false;
        try {
          caller = await identifyCaller(req, res, deps, upload.key);
          admitted = await admit(caller);
        } finally {
          if (!admitted) await upload.release();
        }
        if (!admitted) return;
      }
      const outcome = await submit(caller, upload);
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

    function submit({ key, bearer }: Caller, upload: ParsedUpload) {
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
        { waitMs, held: intake === deps.held },
      );
    }
  };
}
