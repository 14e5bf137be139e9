import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/errors/catalogue.js';
import { createLogger } from '../../src/ops/logger.js';
import { createCallbackSender, type CallbackSender, type CallbackSenderOptions } from '../../src/queue/callbacks.js';

interface Receiver {
  url: string;
  received: Array<{ headers: IncomingHttpHeaders; body: string }>;
  close(): Promise<void>;
}

/** A real HTTP receiver on loopback answering the given statuses in turn (the last one repeats). */
async function startReceiver(statuses: number[]): Promise<Receiver> {
  const received: Receiver['received'] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.statusCode = statuses[Math.min(received.length, statuses.length) - 1] ?? 200;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/upgate?token=t`,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** The sender's log lines, parsed, so tests can wait for a delivery's final outcome. */
function captureLogs() {
  const lines: Array<{ msg: string; [field: string]: unknown }> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, logger: createLogger('debug', destination) };
}

async function waitFor(condition: () => boolean, what: string, deadlineMs = 20_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

function sender(options: Partial<CallbackSenderOptions> = {}) {
  const logs = captureLogs();
  const created: CallbackSender = createCallbackSender({ allow: [], attempts: 5, secret: 's3cret', backoffMs: 5, logger: logs.logger, ...options });
  cleanups.push(() => created.close());
  return { sender: created, logs: logs.lines };
}

async function receiver(statuses: number[] = [200]) {
  const started = await startReceiver(statuses);
  cleanups.push(() => started.close());
  return started;
}

async function refusal(promise: Promise<void>): Promise<GatewayError> {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(GatewayError);
  expect((error as GatewayError).code).toBe(1011);
  return error as GatewayError;
}

describe('callback URL validation', () => {
  it('refuses a loopback receiver unless it is allow-listed', async () => {
    const { url } = await receiver();
    const error = await refusal(sender().sender.validate(url));
    expect(error.message).toMatch(/loopback/);
    await refusal(sender().sender.validate('http://[::1]:9/'));
    await refusal(sender().sender.validate('http://localhost:9/'));
  });

  it('accepts a loopback receiver allow-listed by address, CIDR or host name', async () => {
    const { url } = await receiver();
    await sender({ allow: ['127.0.0.1'] }).sender.validate(url);
    await sender({ allow: ['127.0.0.0/8'] }).sender.validate(url);
    await sender({ allow: ['localhost'] }).sender.validate('http://localhost:9/');
    await sender({ allow: ['::1/128'] }).sender.validate('http://[::1]:9/');
  });

  it('refuses private, link-local, CGNAT and mapped addresses without contacting them', async () => {
    const { sender: callbacks } = sender({ allow: ['127.0.0.1'] });
    const targets: Array<[string, RegExp]> = [
      ['http://10.0.0.1/', /private/],
      ['https://172.16.5.4/', /private/],
      ['http://192.168.1.1:8080/x', /private/],
      ['http://169.254.169.254/latest/meta-data', /link-local/],
      ['http://100.64.0.1/', /carrier-grade NAT/],
      ['http://0.0.0.0/', /unspecified/],
      ['http://[fc00::1]/', /private/],
      ['http://[fe80::1]/', /link-local/],
      ['http://[::ffff:10.0.0.1]/', /private/],
    ];
    for (const [url, reason] of targets) expect((await refusal(callbacks.validate(url))).message).toMatch(reason);
  });

  it('refuses schemes other than http and https, and non-URLs', async () => {
    const { sender: callbacks } = sender({ allow: ['127.0.0.0/8'] });
    expect((await refusal(callbacks.validate('ftp://127.0.0.1/result'))).message).toMatch(/http or https, not ftp/);
    await refusal(callbacks.validate('file:///etc/passwd'));
    await refusal(callbacks.validate('not a url'));
  });
});

describe('callback delivery', () => {
  it('POSTs the JSON result signed with an HMAC of the exact body', async () => {
    const target = await receiver();
    const { sender: callbacks } = sender({ allow: ['127.0.0.1'] });
    const result = { data: { id: 'job1', status: 'done', title: 'ünïcödé' }, success: true };
    callbacks.send(target.url, result, 'app1');
    await waitFor(() => target.received.length === 1, 'the callback');

    const [{ headers, body }] = target.received as [Receiver['received'][number]];
    expect(JSON.parse(body)).toEqual(result);
    expect(headers['content-type']).toBe('application/json');
    expect(headers['x-upgate-key']).toBe('app1');
    expect(Number(headers['x-upgate-timestamp'])).toBeGreaterThan(0);
    const expected = `sha256=${createHmac('sha256', 's3cret').update(body).digest('hex')}`;
    expect(headers['x-upgate-signature']).toBe(expected);
  });

  it('delivers to a host name, connecting only to the addresses it checked', async () => {
    const target = await receiver();
    const { sender: callbacks, logs } = sender({ allow: ['127.0.0.1', '::1'] });
    callbacks.send(target.url.replace('127.0.0.1', 'localhost'), { n: 1 }, 'app1');
    await waitFor(() => logs.some((line) => line.msg === 'callback delivered'), 'delivery');
    expect(target.received).toHaveLength(1);
  });

  it('sends callbacks unsigned when no secret is configured', async () => {
    const target = await receiver();
    const { sender: callbacks } = sender({ allow: ['127.0.0.1'], secret: null });
    callbacks.send(target.url, { ok: true }, 'app1');
    await waitFor(() => target.received.length === 1, 'the callback');
    expect(target.received[0]?.headers['x-upgate-signature']).toBeUndefined();
  });

  it('retries after two 500s and then delivers, as one delivery', async () => {
    const target = await receiver([500, 500, 200]);
    const { sender: callbacks, logs } = sender({ allow: ['127.0.0.1'] });
    callbacks.send(target.url, { n: 1 }, 'app1');
    await waitFor(() => logs.some((line) => line.msg === 'callback delivered'), 'delivery');
    expect(target.received).toHaveLength(3);
    expect(new Set(target.received.map(({ headers }) => headers['x-upgate-delivery'])).size).toBe(1);
  });

  it('retries a 429 too', async () => {
    const target = await receiver([429, 200]);
    const { sender: callbacks, logs } = sender({ allow: ['127.0.0.1'] });
    callbacks.send(target.url, { n: 1 }, 'app1');
    await waitFor(() => logs.some((line) => line.msg === 'callback delivered'), 'delivery');
    expect(target.received).toHaveLength(2);
  });

  it('gives up after the configured number of attempts', async () => {
    const target = await receiver([503]);
    const { sender: callbacks, logs } = sender({ allow: ['127.0.0.1'], attempts: 3 });
    callbacks.send(target.url, { n: 1 }, 'app1');
    await waitFor(() => logs.some((line) => line.msg === 'callback failed, giving up'), 'giving up');
    expect(target.received).toHaveLength(3);
  });

  it('stops at once when the receiver answers a 4xx other than 429', async () => {
    const target = await receiver([400, 200]);
    const { sender: callbacks, logs } = sender({ allow: ['127.0.0.1'] });
    callbacks.send(target.url, { n: 1 }, 'app1');
    await waitFor(() => logs.some((line) => line.msg.startsWith('callback rejected')), 'the rejection');
    expect(target.received).toHaveLength(1);
  });

  it('never contacts a target refused at send time, and logs no secret or URL path', async () => {
    const target = await receiver();
    const { sender: callbacks, logs } = sender();
    callbacks.send(target.url, { n: 1 }, 'app1');
    await waitFor(() => logs.some((line) => line.msg === 'callback target refused, not sent'), 'the refusal');
    expect(target.received).toHaveLength(0);
    const logged = JSON.stringify(logs);
    expect(logged).not.toContain('s3cret');
    expect(logged).not.toContain('token=t');
  });
});
