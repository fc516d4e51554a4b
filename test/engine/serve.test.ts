/** `acclink serve`: usage, and a start/stop round trip on embedded defaults (PGlite in a temp folder). */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sendMllp } from '../../src/channels/mllp/client.ts';
import { serveCommand } from '../../src/cli/serve.ts';
import { isAcclinkError } from '../../src/model/errors.ts';

const oru = 'MSH|^~\\&|RIS|HOSP|ACCLINK|HOSP|20260301113000||ORU^R01^ORU_R01|SRV0001|P|2.5.1\r'
  + 'PID|1||MRN4711^^^HOSP^MR||ZZTEST^ALICE||19800214|F\r'
  + 'OBR|1|PL1|FL1|CTCHEST^CT CHEST^L|||20260301100000|||||||||||ACC1000001||||20260301113000||CT|F\r';

describe('acclink serve', () => {
  it('prints help', async () => {
    const lines: string[] = [];
    expect(await serveCommand(['--help'], { write: (l) => lines.push(l) })).toBe(0);
    expect(lines.join('\n')).toContain('--mllp-port N');
  });

  it('requires --mllp-port and checks HOST:PORT', async () => {
    await expect(serveCommand([])).rejects.toSatisfy((e: unknown) => isAcclinkError(e));
    await expect(serveCommand(['--mllp-port', '0', '--ris', 'nohost'])).rejects.toThrow(/--ris must be HOST:PORT/);
  });

  it('receives over MLLP, then stops on request with a summary', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'acclink-serve-'));
    try {
      const lines: string[] = [];
      let stop = (): void => undefined;
      const until = new Promise<void>((resolve) => { stop = resolve; });
      let port = 0;
      const running = serveCommand(['--mllp-port', '0', '--data', path.join(dir, 'db')], {
        until, write: (l) => lines.push(l), onListening: (p) => { port = p; },
      });
      for (let i = 0; i < 500 && port === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(port).toBeGreaterThan(0);
      const ack = await sendMllp({ host: '127.0.0.1', port, timeoutMs: 5000, message: oru });
      expect(ack.code).toBe('AA');
      stop();
      expect(await running).toBe(0);
      expect(lines[0]).toMatch(/^acclink serve: MLLP on 127\.0\.0\.1:\d+; store PGlite/);
      expect(lines.at(-1)).toContain('messages in: 1 accepted, 0 duplicate, 0 rejected; corrections: 0');
      expect(lines.join('\n')).not.toContain('ZZTEST');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
