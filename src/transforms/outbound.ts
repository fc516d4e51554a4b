/**
 * Outbound planning: the messages that carry each correction to its owners (seed figure 17C).
 * A study's new accession goes to the PACS as an HL7 procedure update (IHE RAD-13, order control XO),
 * a report's to the RIS as a corrected ORU (OBR-25 `C`), and either to a FHIR server as a JSON Patch
 * when the record came from FHIR. Pure: timestamps and ids are inputs, ids derive from correction ids.
 */
import type { Correction } from '../model/link.ts';
import type { Report, Scan } from '../model/types.ts';
import { buildProcedureUpdate, buildReportCorrection, type Hl7BuildOptions } from './hl7/build.ts';
import { buildAccessionPatchRequest } from './fhir/patch.ts';
import { isAcclinkError } from '../model/errors.ts';

export const Destination = { Pacs: 'pacs', Ris: 'ris', Fhir: 'fhir' } as const;
export type Destination = (typeof Destination)[keyof typeof Destination];

export interface OutboundMessage {
  correctionId: string;
  destination: Destination;
  /** `OMI^O23`, `ORM^O01`, `ORU^R01`, or `PATCH ImagingStudy` etc. */
  messageType: string;
  fileName: string;
  body: string;
  target?: string;
}

export interface OutboundContext {
  scans: readonly Scan[];
  reports: readonly Report[];
  /** FHIR resources as read, by `Type/id`. */
  fhirResources: ReadonlyMap<string, unknown>;
  outbound: {
    pacsMessage: 'OMI^O23' | 'ORM^O01';
    sendingApplication: string;
    sendingFacility: string;
    pacs: { application: string; facility: string };
    ris: { application: string; facility: string };
  };
  now: Date;
}

/** HL7 TS of a Date in UTC with an explicit offset, so receivers need not guess our zone. */
export function hl7Timestamp(d: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}+0000`;
}

function hl7Options(ctx: OutboundContext, to: { application: string; facility: string }, controlId: string, version: Hl7BuildOptions['version']): Hl7BuildOptions {
  return {
    version, controlId, timestamp: hl7Timestamp(ctx.now),
    sendingApplication: ctx.outbound.sendingApplication, sendingFacility: ctx.outbound.sendingFacility,
    receivingApplication: to.application, receivingFacility: to.facility,
  };
}

/** MSH-10 is ST(20) in 2.5.1: the correction id is 20 hex characters and unique per change. */
function controlId(c: Correction, suffix: string): string {
  return `${suffix}${c.id}`.slice(0, 20);
}

function fhirPatch(c: Correction, key: string | undefined, ctx: OutboundContext): OutboundMessage | undefined {
  const resource = key ? ctx.fhirResources.get(key) : undefined;
  if (!resource) return undefined;
  try {
    const req = buildAccessionPatchRequest(resource, c.from, c.to);
    if (!req) return undefined;
    return { correctionId: c.id, destination: Destination.Fhir, messageType: `PATCH ${key?.split('/')[0] ?? ''}`, fileName: `${c.id}.json`, body: `${JSON.stringify(req, null, 2)}\n`, target: key };
  } catch (e) {
    // The resource no longer holds the value we corrected from: nothing safe to send.
    if (isAcclinkError(e)) return undefined;
    throw e;
  }
}

/** Plan every outbound message for a list of corrections. */
export function planOutbound(corrections: readonly Correction[], ctx: OutboundContext): OutboundMessage[] {
  const scans = new Map(ctx.scans.map((s) => [s.studyInstanceUid, s]));
  const reports = new Map(ctx.reports.map((r) => [r.reportId, r]));
  const out: OutboundMessage[] = [];
  for (const c of corrections) {
    if (c.target === 'scan') {
      const scan = c.studyInstanceUid ? scans.get(c.studyInstanceUid) : undefined;
      if (!scan) continue;
      const version = ctx.outbound.pacsMessage === 'ORM^O01' ? '2.3.1' : '2.5.1';
      const body = buildProcedureUpdate(
        { scan, newAccession: c.to, oldAccession: c.from, fillerOrderNumber: c.linkedTo },
        hl7Options(ctx, ctx.outbound.pacs, controlId(c, ''), version),
      );
      out.push({ correctionId: c.id, destination: Destination.Pacs, messageType: ctx.outbound.pacsMessage, fileName: `${c.id}.hl7`, body, target: scan.studyInstanceUid });
      const patch = fhirPatch(c, scan.fhirId ? `ImagingStudy/${scan.fhirId}` : undefined, ctx);
      if (patch) out.push(patch);
    } else {
      const report = c.reportId ? reports.get(c.reportId) : undefined;
      if (!report) continue;
      if (report.kind === 'report' && report.sources.some((s) => s.kind === 'hl7')) {
        const body = buildReportCorrection(
          { report, newAccession: c.to, oldAccession: c.from },
          hl7Options(ctx, ctx.outbound.ris, controlId(c, ''), report.hl7Version === '2.3.1' || report.hl7Version === '2.3' ? '2.3.1' : '2.5.1'),
        );
        out.push({ correctionId: c.id, destination: Destination.Ris, messageType: 'ORU^R01', fileName: `${c.id}.hl7`, body, target: report.reportId });
      }
      const patch = fhirPatch(c, report.fhirId && report.fhirType ? `${report.fhirType}/${report.fhirId}` : undefined, ctx);
      if (patch) out.push(patch);
    }
  }
  return out;
}
