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
  for (const m of messages) {
    const folder = path.join(dir, m.destination);
    await mkdir(folder, { recursive: true });
    await writeFile(path.join(folder, m.fileName), m.body);
    counts[m.destination] = (counts[m.destination] ?? 0) + 1;
    index.push({ correctionId: m.correctionId, destination: m.destination, messageType: m.messageType, file: `${m.destination}/${m.fileName}`, ...(m.target ? { target: m.target } : {}) });
  }
  await writeJsonl(path.join(dir, 'index.jsonl'), index);
  await writeJsonl(path.join(dir, 'skipped.jsonl'), plan.skipped);
  if (plan.skipped.length > 0) counts['skipped'] = plan.skipped.length;
  return counts;
}
