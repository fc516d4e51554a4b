/** The dry-run sink: outbound messages written as files, one per message, with an index. */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { OutboundPlan } from '../../transforms/outbound.ts';
import { writeJsonl } from './jsonl.ts';

/**
 * Write every message under `dir/<destination>/` with `index.jsonl`, and what could not be planned in
 * `skipped.jsonl`, replacing an earlier run's; returns counts per destination (and `skipped`).
 */
export async function writeOutbound(dir: string, plan: OutboundPlan): Promise<Record<string, number>> {
  const messages = plan.messages;
  await rm(dir, { recursive: true, force: true });
  const counts: Record<string, number> = {};
  const index: unknown[] = [];
  for (const destination of new Set(messages.map((m) => m.destination))) await mkdir(path.join(dir, destination), { recursive: true });
  for (const m of messages) {
    counts[m.destination] = (counts[m.destination] ?? 0) + 1;
    index.push({ correctionId: m.correctionId, destination: m.destination, messageType: m.messageType, file: `${m.destination}/${m.fileName}`, ...(m.target ? { target: m.target } : {}) });
  }
  // Tens of thousands of small files: a few writes in flight at once instead of one after another.
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < messages.length) {
      const m = messages[next++] as OutboundPlan['messages'][number];
      await writeFile(path.join(dir, m.destination, m.fileName), m.body);
    }
  };
  await Promise.all(Array.from({ length: Math.min(16, messages.length) }, worker));
  await writeJsonl(path.join(dir, 'index.jsonl'), index);
  await writeJsonl(path.join(dir, 'skipped.jsonl'), plan.skipped);
  if (plan.skipped.length > 0) counts['skipped'] = plan.skipped.length;
  return counts;
}
