import { Router } from 'express';
import type { QuotaPolicy } from '../../config/schema.js';
import { GatewayError } from '../../errors/catalogue.js';
import type { ApiKeyRecord, KeyChanges, KeyRegistry } from '../../keys/types.js';
import type { Admission } from '../../quota/types.js';
import { changeKeyBody, createKeyBody, parseInput } from './body.js';

/** /admin/keys: create (secret shown once), list, show, change, revoke and reset counters. */
export function keysRoutes(deps: { keys: KeyRegistry; admission: Admission; defaultPolicy: QuotaPolicy }): Router {
  const { keys, admission } = deps;
  const router = Router();

  const find = async (id: string): Promise<ApiKeyRecord> => {
    const record = await keys.get(id);
    if (!record || record.revoked) throw new GatewayError('notFound', { message: `no key "${id}"` });
    return record;
  };
  const changeable = async (id: string): Promise<ApiKeyRecord> => {
    const record = await find(id);
    if (record.source === 'config') throw new GatewayError('keyReadOnly', { message: `key "${id}" comes from the config file and cannot be changed at run time` });
    return record;
  };
  const view = (record: ApiKeyRecord) => ({ ...record, policy: record.quotas?.policy ?? deps.defaultPolicy });

  router.post('/', async (req, res) => {
    const body = parseInput(createKeyBody, req.body);
    // Checked first for a clear 409; the registry stays the authority if two creates race.
    if (await keys.get(body.id)) throw new GatewayError('keyExists', { message: `a key with id "${body.id}" already exists` });
    const { record, secret } = await keys.create(body);
    res.status(201).location(`/admin/keys/${record.id}`).json({ id: record.id, key: secret });
  });

  router.get('/', async (_req, res) => {
    const records = await keys.list();
    res.json({ keys: records.filter((record) => !record.revoked).map(view) });
  });

  router.get('/:id', async (req, res) => {
    const record = await find(req.params.id);
    res.json({ ...view(record), windows: await admission.usage(record) });
  });

  router.patch('/:id', async (req, res) => {
    const record = await changeable(req.params.id);
    const { policy, ...body } = parseInput(changeKeyBody, req.body);
    const changes: KeyChanges = { ...body };
    // `policy` is a shortcut for the policy inside the quota override, keeping its limits.
    if (policy) changes.quotas = { ...(body.quotas ?? record.quotas ?? {}), policy };
    const updated = await keys.update(record.id, changes);
    if (!updated) throw new GatewayError('notFound', { message: `no key "${record.id}"` });
    res.json(view(updated));
  });

  router.delete('/:id', async (req, res) => {
    const record = await changeable(req.params.id);
    if (!(await keys.revoke(record.id))) throw new GatewayError('notFound', { message: `no key "${record.id}"` });
    res.json({ id: record.id, revoked: true });
  });

  router.post('/:id/reset', async (req, res) => {
    const record = await find(req.params.id);
    await admission.resetKey(record);
    res.json({ id: record.id, reset: true, windows: await admission.usage(record) });
  });

  return router;
}
