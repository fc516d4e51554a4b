/**
 * Order groups of ORU/ORM/OMI messages: each ORC/OBR with the segments that follow it (OBX, NTE, TQ1,
 * IPC, ZDS, ...), plus the message-level segments (MSH, PID, PV1, ...) in effect for it.
 * This is a flat reading of the ORDER_OBSERVATION / ORDER groups, good enough for the fields acclink needs
 * and tolerant of segment orders that strict grammars reject.
 * @see HL7 v2.5.1 Chapter 7, section 7.3.1 "ORU^R01" (PATIENT_RESULT, ORDER_OBSERVATION groups)
 * @see HL7 v2.5.1 Chapter 4, sections 4.4.1 "ORM^O01" and 4.4.8 "OMI^O23" (ORDER groups)
 */
import type { Hl7Message, Hl7Segment } from './message.ts';
import type { Hl7Path } from './path.ts';
import { present } from './values.ts';

/** One ORC/OBR group. */
export interface OrderGroup {
  /** 1-based position among the message's groups, for rejection reasons. */
  readonly number: number;
  /** The ORC and/or OBR that opened the group, then every segment up to the next group or patient. */
  readonly segments: readonly Hl7Segment[];
  /** Message- and patient-level segments in effect: MSH and what precedes the first PID, then that patient's. */
  readonly context: readonly Hl7Segment[];
}

/** Patient- and visit-level segments: they end the current order group and belong to the patient. */
const PATIENT_LEVEL: ReadonlySet<string> = new Set(['PID', 'PD1', 'PV1', 'PV2', 'NK1', 'AL1', 'IN1', 'IN2', 'IN3', 'GT1', 'MRG']);

/**
 * Cuts a message into order groups. An ORC always opens a group; an OBR opens one unless it follows
 * an ORC that has no OBR yet (ORC before OBR is the usual order, but ORC is optional in ORU).
 * A PID starts a new patient: groups after it see that PID, not an earlier one.
 */
export function orderGroups(msg: Hl7Message): OrderGroup[] {
  const groups: OrderGroup[] = [];
  let header: Hl7Segment[] = [];
  let context: Hl7Segment[] = [];
  let current: Hl7Segment[] | undefined;
  let awaitingObr = false;
  let seenPid = false;
  const open = (seg: Hl7Segment): void => {
    current = [seg];
    groups.push({ number: groups.length + 1, segments: current, context });
  };
  for (const seg of msg.all) {
    const name = seg.name;
    if (name === 'ORC' || (name === 'OBR' && !awaitingObr)) {
      open(seg);
      awaitingObr = name === 'ORC';
    } else if (name === 'OBR') {
      current?.push(seg);
      awaitingObr = false;
    } else if (PATIENT_LEVEL.has(name) || current === undefined) {
      current = undefined;
      awaitingObr = false;
      // Copy on write: groups already opened keep the context they were read in.
      if (name === 'PID') {
        seenPid = true;
        context = [...header, seg];
      } else {
        context = [...context, seg];
        if (!seenPid) header = context;
      }
    } else {
      current.push(seg);
    }
  }
  return groups;
}

/** The n-th segment with this id in the group, else in its context. */
export function findSegment(group: OrderGroup, name: string, occurrence = 1): Hl7Segment | undefined {
  return nth(group.segments, name, occurrence) ?? nth(group.context, name, occurrence);
}

function nth(segments: readonly Hl7Segment[], name: string, occurrence: number): Hl7Segment | undefined {
  let seen = 0;
  for (const s of segments) {
    if (s.name === name && ++seen === occurrence) return s;
  }
  return undefined;
}

/** The trimmed value at a position, looked up in the group first; `''` when absent or `""`. */
export function groupValue(group: OrderGroup, path: Hl7Path): string {
  const seg = findSegment(group, path.segment, path.occurrence);
  return seg === undefined ? '' : present(seg.at(path));
}
