import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createPgliteStore } from '../../store/pglite.ts';
import { contractMessage } from './contract.ts';
import { createStoreLedger } from './ledger.ts';
import { createMemorySink } from './memory.ts';

describe('Store-backed delivery ledger', () => {
  it('remembers a delivery across a restart of the store, so the message is not sent again', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'acclink-ledger-'));
    const clock = (): Date => new Date('2026-03-10T10:00:00Z');
    const m = contractMessage('c0ffee00000000000000000000aa');
    const sent: string[] = [];
    const respond = (): { outcome: 'delivered'; detail: string } => {
      sent.push(m.correctionId);
      return { outcome: 'delivered', detail: 'AA' };
    };
    try {
      const first = await createPgliteStore({ dataDir: dir });
      await first.migrate();
      expect((await createMemorySink({ ledger: createStoreLedger(first, clock), respond }).deliver(m)).outcome).toBe('delivered');
      await first.close();
      const second = await createPgliteStore({ dataDir: dir });
      await second.migrate();
      const again = await createMemorySink({ ledger: createStoreLedger(second, clock), respond }).deliver(m);
      expect(again.outcome).toBe('delivered');
      expect(sent).toHaveLength(1);
      await second.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
