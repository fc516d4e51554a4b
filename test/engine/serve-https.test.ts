/** `acclink serve` with `engine.http.tls`: the HTTP side speaks HTTPS with the configured certificate, and only HTTPS. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/app/server.ts';
import { serveCommand } from '../../src/cli/serve.ts';
import { makeTestPki, type Pki } from '../support/pki.ts';

function get(mod: typeof http | typeof https, port: number, p: string, opts: https.RequestOptions = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = mod.request({ host: '127.0.0.1', port, path: p, method: 'GET', timeout: 5000, ...opts }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end();
  });
}

describe('acclink serve over HTTPS', () => {
  let dir: string;
  let pki: Pki;
  let stop = (): void => undefined;
  let running: Promise<number>;
  let server: RunningServer | undefined;
  const lines: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'acclink-https-'));
    pki = await makeTestPki(dir);
    const config = path.join(dir, 'acclink.yaml');
    await writeFile(config, `engine:\n  mllp: { port: 0 }\n  http: { port: 0, tokens: ["https-token-0123456789abcdef"], tls: { keyFile: server.key, certFile: server.crt } }\n`);
    const until = new Promise<void>((resolve) => { stop = resolve; });
    running = serveCommand(['--config', config], { until, env: {}, write: (l) => lines.push(l), onListening: (_p, s) => { server = s; } });
    for (let i = 0; i < 400 && !server; i++) await new Promise((r) => setTimeout(r, 25));
  });
  afterAll(async () => {
    stop();
    await running;
    await rm(dir, { recursive: true, force: true });
  });

  it('answers /health over HTTPS with the configured certificate, and refuses plain HTTP', async () => {
    const port = server?.http?.port ?? 0;
    expect(server?.http?.scheme).toBe('https');
    expect(lines[0]).toMatch(/HTTPS on 127\.0\.0\.1:\d+/);
    const ok = await get(https, port, '/health', { ca: pki.ca });
    expect(ok.status).toBe(200);
    await expect(get(https, port, '/health')).rejects.toThrow(/self-signed|unable to verify|certificate/i);
    const plain = await get(http, port, '/health').catch((e: unknown) => ({ status: -1, body: String(e) }));
    expect(plain.status).not.toBe(200);
  });
});
