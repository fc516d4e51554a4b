/**
 * Shared helpers of the HTTP surface tests: an app listening on a loopback port of its own, and a
 * logger whose JSON lines the test can read.
 */
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { HttpAppOptions } from '../../src/channels/http/app.ts';
import { createHttpApp } from '../../src/channels/http/app.ts';
import { createHealth } from '../../src/channels/http/health.ts';
import { createMetrics } from '../../src/channels/http/metrics.ts';
import type { Logger } from '../../src/channels/log.ts';
import { createLogger } from '../../src/channels/log.ts';

export const TOKEN_A = 'tokA-0123456789abcdefghij';
export const TOKEN_B = 'tokB-9876543210zyxwvutsrq';

export interface Listening {
  app: FastifyInstance;
  /** `http://127.0.0.1:<port>` */
  base: string;
  close: () => Promise<void>;
}

/** Builds the app (tokens A and B, no checks, fresh metrics unless given) and listens on port 0. */
export async function listen(opts: Partial<HttpAppOptions> = {}): Promise<Listening> {
  const app = await createHttpApp({
    tokens: [TOKEN_A, TOKEN_B],
    health: createHealth([]),
    metrics: createMetrics({ defaultMetrics: false }),
    ...opts,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return { app, base: `http://127.0.0.1:${port}`, close: () => app.close() };
}

/** A logger writing into memory. */
export function memoryLogger(level = 'debug'): { logger: Logger; text: () => string; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({ write(chunk: Buffer, _enc, cb) { chunks.push(chunk.toString('utf8')); cb(); } });
  const text = (): string => chunks.join('');
  return {
    logger: createLogger({ level, destination: stream }),
    text,
    lines: () => text().trim().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

export const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });
