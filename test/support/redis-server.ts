import type { TestProject } from 'vitest/node';
import { RedisProcess } from './redis-process.js';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

let server: RedisProcess | undefined;

/** Uses REDIS_URL when given; otherwise starts a private redis-server on a free port, so tests never touch a user's data. */
export async function setup(project: TestProject): Promise<void> {
  if (!process.env.REDIS_URL) server = await RedisProcess.start();
  project.provide('redisUrl', process.env.REDIS_URL ?? server!.url);
}

export async function teardown(): Promise<void> {
  await server?.kill('SIGTERM');
}
