import type { FairOrder } from './job-store.js';

/**
 * The 1-based place of a waiting job in dispatch order, as start-time fair queueing will serve it:
 * its own index, plus, for every other active key, the jobs whose start tags come before its own
 * (a key's n-th job starts at head tag + n/weight). Approximate: arrivals and retries move it.
 */
export function fairPosition(order: FairOrder): number {
  const own = order.keys.find((k) => k.keyId === order.keyId);
  if (!own) return order.index + 1;
  const tag = own.start + order.index / own.weight;
  let ahead = order.index;
  for (const key of order.keys) {
    if (key.keyId === order.keyId) continue;
    // Its j-th job starts at start + j/weight; equal tags go to the smaller key id, as the ZSET orders them.
    const span = (tag - key.start) * key.weight;
    const before = key.keyId < order.keyId ? Math.floor(span + 1e-9) + 1 : Math.ceil(span - 1e-9);
    ahead += Math.min(key.length, Math.max(0, before));
  }
  return ahead + 1;
}

/** Start tag of a key becoming active: never before the global virtual time, nor before its own last finish. */
export function activationTag(virtualTime: number, lastFinish: number | undefined): number {
  return Math.max(virtualTime, lastFinish ?? 0);
}
