import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayProcess } from '../support/gateway-process.js';
import { spawnSimulator, type SpawnedSimulator } from '../support/simulator.js';
import { distinctPng, E2eSandbox, type E2eStore } from '../e2e/e2e-fixture.js';
import { appKey, startTrustGateway, stores, roomyUpstream } from './trust-fixture.js';

interface Image {
  id: string;
  deletehash: string;
  title: string | null;
  account_id: number;
}

describe.each(stores)('dedupe never hands one uploader the image of another (%s store)', (store: E2eStore) => {
  let sandbox: E2eSandbox;
  let simulator: SpawnedSimulator;
  let gateway: GatewayProcess;

  beforeAll(async () => {
    sandbox = await E2eSandbox.open();
    simulator = await spawnSimulator(['--ip-limit', '1000/1h']);
    gateway = await startTrustGateway(sandbox, store, {
      upstream: roomyUpstream(simulator.url),
      queue: { dedupe: true },
    });
  });

  afterAll(async () => {
    await gateway?.dispose();
    await simulator?.stop();
    await sandbox?.cleanup();
  });

  async function send(bytes: Buffer, title: string, bearer?: string): Promise<Image> {
    const form = new FormData();
    form.append('image', new Blob([new Uint8Array(bytes)], { type: 'image/png' }), 'same.png');
    form.append('title', title);
    const headers: Record<string, string> = bearer ? { authorization: `Bearer ${bearer}`, 'x-api-key': appKey } : { authorization: `Client-ID ${appKey}` };
    const response = await fetch(`${gateway.url}/3/image`, { method: 'POST', headers, body: form });
    const body = (await response.json()) as { data: Image };
    expect(response.status, JSON.stringify(body)).toBe(200);
    return body.data;
  }

  it('sends the same bytes as three distinct uploads for a user, anonymously, and with another title; a true repeat is deduped', async () => {
    const { bytes } = distinctPng();
    const before = (await simulator.stats()).uploads;
    const user = await send(bytes, 'mine', 'user-token-of-alice');
    const anonymous = await send(bytes, 'other');
    const anonymousMine = await send(bytes, 'mine');
    expect((await simulator.stats()).uploads - before).toBe(3);
    expect(new Set([user.id, anonymous.id, anonymousMine.id]).size).toBe(3);
    expect(new Set([user.deletehash, anonymous.deletehash, anonymousMine.deletehash]).size).toBe(3);
    expect(user.account_id).not.toBe(0);
    expect(anonymous).toMatchObject({ title: 'other', account_id: 0 });
    expect(anonymousMine).toMatchObject({ title: 'mine', account_id: 0 });

    // Another user with the same bytes and title is yet another upload; the same user repeating is not.
    const otherUser = await send(bytes, 'mine', 'user-token-of-bob');
    expect(otherUser.deletehash).not.toBe(user.deletehash);
    const repeat = await send(bytes, 'mine', 'user-token-of-alice');
    expect(repeat).toMatchObject({ id: user.id, deletehash: user.deletehash });
    expect((await simulator.stats()).uploads - before).toBe(4);
  });
});
