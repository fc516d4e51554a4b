/** The dry-run sink: outbound messages written as files, one per message, with an index. */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { OutboundMessage } from '../../transforms/outbound.ts';
import { writeJsonl } from './jsonl.ts';

/** Write every message under `dir/<destination>/`, replacing an earlier run's; returns counts per destination. */
export async function writeOutbound(dir: string, messages: readonly OutboundMessage[]): Promise<Record<string, number>> {
  await rm(dir, { recursive: true, force: true });
  const counts: Record<string, number> = {};
  const index: unknown[] = [];
  for (const m of messages) {
    const folder = path.join(dir, m.destination);
    await mkdir(folder, { recursive: true });
    await writeFile(path.join(folder, m.fileName), m.body);
    counts[m.destination] = (counts[m.destination] ?? 0) + 1;
    index.push({ correctionId: m.correctionId, destination: m.destination, messageType: m.messageType, file: `${m.destination}/${m.fileName}`, ...(m.target ? { target: m.target } : {}) });
  }
  await writeJsonl(path.join(dir, 'index.jsonl'), index);
  return counts;
}
