import { createServer, connect, type Socket } from 'node:net';

/**
 * A TCP proxy in front of Redis that counts round trips: on each connection, a round trip starts
 * whenever the client writes after Redis has answered (or for the first time). A pipeline or a
 * MULTI…EXEC sent in one go is one round trip however many commands it holds; a client that waits
 * for an answer before its next command pays one per command. INFO cannot tell these apart.
 */
export interface RoundTripProxy {
  url: string;
  /** Round trips so far, over every connection. */
  roundTrips(): number;
  close(): Promise<void>;
}

export async function startRoundTripProxy(redisUrl: string): Promise<RoundTripProxy> {
  const target = new URL(redisUrl);
  const sockets = new Set<Socket>();
  let roundTrips = 0;
  const server = createServer((client) => {
    const redis = connect(Number(target.port), target.hostname);
    let awaitingAnswer = false;
    for (const socket of [client, redis]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {});
    }
    client.on('data', (chunk) => {
      if (!awaitingAnswer) roundTrips += 1;
      awaitingAnswer = true;
      redis.write(chunk);
    });
    redis.on('data', (chunk) => {
      awaitingAnswer = false;
      client.write(chunk);
    });
    client.on('close', () => redis.destroy());
    redis.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `redis://127.0.0.1:${port}`,
    roundTrips: () => roundTrips,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
