import { Router } from 'express';
import { z } from 'zod';
import type { Clock } from '../../clock.js';
import { parseDuration } from '../../config/units.js';
import type { UploadQueue } from '../../queue/types.js';
import { parseInput } from './body.js';

const pauseBody = z.strictObject({
  /** How long the hold lasts (`10m`); without it, until resumed. */
  for: z
    .string()
    .refine((value) => (parseDuration(value) ?? 0) > 0, 'expected a duration like "10m"')
    .optional(),
});

/**
 * The operator's controls: hold and release the queue or one lane, clear a lane's pause or counts,
 * cancel or retry one job, purge failed jobs. Every action answers the state it left.
 */
export function operatorRoutes(deps: { queue: UploadQueue; clock: Clock }): Router {
  const { queue, clock } = deps;
  const { operator } = queue;
  const router = Router();

  const holdsView = async () => {
    const holds = await operator.holds();
    return { paused: holds.queue, heldLanes: Object.fromEntries([...holds.lanes].map(([id, until]) => [id, Number.isFinite(until) ? until : null])) };
  };

  router.get('/queue', async (_req, res) => {
    res.json(await holdsView());
  });
  router.post('/queue/pause', async (_req, res) => {
    await operator.pauseQueue();
    res.json(await holdsView());
  });
  router.post('/queue/resume', async (_req, res) => {
    await operator.resumeQueue();
    res.json(await holdsView());
  });

  router.post('/lanes/:id/pause', async (req, res) => {
    const body = parseInput(pauseBody, req.body);
    await operator.pauseLane(req.params.id, body.for ? clock() + parseDuration(body.for)! : undefined);
    res.json(await holdsView());
  });
  router.post('/lanes/:id/resume', async (req, res) => {
    await operator.resumeLane(req.params.id);
    res.json(await holdsView());
  });
  router.post('/lanes/:id/reset', async (req, res) => {
    await operator.resetLane(req.params.id);
    res.json({ lane: (await queue.lanes()).find((lane) => lane.id === req.params.id) });
  });

  router.post('/jobs/purge', async (_req, res) => {
    res.json({ purged: await operator.purgeFailed() });
  });
  router.post('/jobs/:id/cancel', async (req, res) => {
    res.json(await operator.cancel(req.params.id));
  });
  router.post('/jobs/:id/retry', async (req, res) => {
    res.status(201).json(await operator.retry(req.params.id));
  });

  return router;
}
