/**
 * HL7 v2 positions written the way specifications write them: `OBR-18`, `PID-5.1`, `OBR-32.1.2`.
 * Optional 1-based selectors: a segment occurrence `OBX[2]-5` and a field repetition `PID-3[2].1`.
 * @see HL7 v2.5.1 Chapter 2, section 2.5 "Message construction rules" (field, component, subcomponent)
 */
import { AcclinkError, ErrorCode } from '../../model/errors.ts';

/** A parsed position. All numbers are 1-based; `component`/`subcomponent` are absent when not written. */
export interface Hl7Path {
  readonly segment: string;
  readonly occurrence: number;
  readonly field: number;
  readonly repetition: number;
  readonly component?: number;
  readonly subcomponent?: number;
  /** The position as written, for messages. */
  readonly text: string;
}

const PATH_RE = /^([A-Z][A-Z0-9]{2})(?:\[(\d+)\])?-(\d+)(?:\[(\d+)\])?(?:\.(\d+)(?:\.(\d+))?)?$/;

// Mappings name a handful of positions and every message looks them up again: parse each text once.
const cache = new Map<string, Hl7Path | null>();

/** Parses a position, or returns undefined when the text is not one. */
export function tryParseHl7Path(text: string): Hl7Path | undefined {
  const hit = cache.get(text);
  if (hit !== undefined) return hit ?? undefined;
  const parsed = parse(text);
  if (cache.size < 10_000) cache.set(text, parsed ?? null);
  return parsed;
}

/** Parses a position; throws AcclinkError USAGE when the text is not one (a programming error). */
export function parseHl7Path(text: string): Hl7Path {
  const p = tryParseHl7Path(text);
  if (p === undefined) {
    throw new AcclinkError(ErrorCode.Usage, `'${text}' is not an HL7 position such as OBR-18 or PID-5.1`);
  }
  return p;
}

function parse(text: string): Hl7Path | undefined {
  const m = PATH_RE.exec(text);
  if (m === null) return undefined;
  const [, segment, occ, field, rep, comp, sub] = m;
  const path: Hl7Path = {
    segment: segment as string,
    occurrence: occ === undefined ? 1 : Number(occ),
    field: Number(field),
    repetition: rep === undefined ? 1 : Number(rep),
    text,
    ...(comp === undefined ? {} : { component: Number(comp) }),
    ...(sub === undefined ? {} : { subcomponent: Number(sub) }),
  };
  const numbers = [path.occurrence, path.field, path.repetition, path.component ?? 1, path.subcomponent ?? 1];
  return numbers.every((n) => n >= 1) ? path : undefined;
}
