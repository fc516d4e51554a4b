/**
 * Outbound planning: the messages that carry each correction to its owners (seed figure 17C).
 * A study's new accession goes to the PACS as an HL7 procedure update (IHE RAD-13, order control XO),
 * a report's to the RIS as a corrected ORU (OBR-25 `C`), and either to a FHIR server as a JSON Patch
 * when the record came from FHIR. Pure: timestamps and ids are inputs, ids derive from correction ids.
 */
import type { CorrectableField, Correction } from '../model/link.ts';
import type { Report, Scan } from '../model/types.ts';
import { buildProcedureUpdate, buildReportCorrection, type Hl7BuildOptions } from './hl7/build.ts';
import { buildAccessionPatchRequest } from './fhir/patch.ts';
import { isAcclinkError } from '../model/errors.ts';

/**
 * Where a correction goes: the PACS and RIS over HL7 v2, a FHIR server as a JSON Patch, and the image
 * archive itself (a DICOM attribute change through the archive's API, e.g. Orthanc REST).
 */
export const Destination = { Pacs: 'pacs', Ris: 'ris', Fhir: 'fhir', Archive: 'archive' } as const;
export type Destination = (typeof Destination)[keyof typeof Destination];

/** `messageType` of an {@link ArchiveUpdate} message. */
export const ARCHIVE_MESSAGE_TYPE = 'DICOM modify';

/**
 * Body (JSON) of an `archive` message: one attribute of one study to change in the image archive, with
 * the value it must still hold, so the sink refuses to overwrite a change made meanwhile. An accession
 * correction and each header fix (issue 4: Study Description, Body Part Examined, Patient's Name, …)
 * travel as one message per attribute, each with its own guard and its own correction id.
 * @see DICOM PS3.3 C.12.1.1.9 "Original Attributes Sequence" (where the old value is kept)
 */
export interface ArchiveUpdate {
  studyInstanceUid: string;
  /** DICOM keyword of the attribute: any {@link CorrectableField}. */
  attribute: CorrectableField;
  /** The value the archive should hold now (null: empty or absent). */
  from: string | null;
  to: string;
}

/**
 * Body (JSON) of a `fhir` message planned by the streaming engine: the accession change to make on one
 * resource. The sink re-reads the resource and builds the guarded JSON Patch from what it reads
 * (see `buildAccessionPatchRequest`), so a change made meanwhile is never overwritten.
 * @see https://hl7.org/fhir/R4/http.html#patch
 */
export interface FhirAccessionUpdate {
  /** `ImagingStudy/<id>`, `DiagnosticReport/<id>` or `ServiceRequest/<id>`. */
  target: string;
  from: string | null;
  to: string;
}

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
function controlId(c: Correction): string {
  return c.id.slice(0, 20);
}

/** A correction that could not be turned into a message for one destination, and why. */
export interface SkippedDelivery {
  correctionId: string;
  destination: Destination;
  reason: 'record-not-found' | 'fhir-resource-changed' | 'invalid-value';
}

export interface OutboundPlan {
  messages: OutboundMessage[];
  skipped: SkippedDelivery[];
}

function fhirPatch(c: Correction, key: string | undefined, ctx: OutboundContext, plan: OutboundPlan): void {
  const resource = key ? ctx.fhirResources.get(key) : undefined;
  if (!key || !resource) return;
  try {
    const req = buildAccessionPatchRequest(resource, c.from, c.to);
    if (!req) return;
    plan.messages.push({ correctionId: c.id, destination: Destination.Fhir, messageType: `PATCH ${key.split('/')[0] ?? ''}`, fileName: `${c.id}.json`, body: `${JSON.stringify(req, null, 2)}\n`, target: key });
  } catch (e) {
    // The resource does not hold the value we corrected from (DICOM and FHIR disagreed): nothing safe to send.
    if (!isAcclinkError(e)) throw e;
    plan.skipped.push({ correctionId: c.id, destination: Destination.Fhir, reason: 'fhir-resource-changed' });
  }
}

function pacsUpdate(c: Correction, scan: Scan, ctx: OutboundContext): OutboundMessage {
  const version = ctx.outbound.pacsMessage === 'ORM^O01' ? '2.3.1' : '2.5.1';
  const body = buildProcedureUpdate(
    { scan, newAccession: c.to, oldAccession: c.from, fillerOrderNumber: c.linkedTo },
    hl7Options(ctx, ctx.outbound.pacs, controlId(c), version),
  );
  return { correctionId: c.id, destination: Destination.Pacs, messageType: ctx.outbound.pacsMessage, fileName: `${c.id}.hl7`, body, target: scan.studyInstanceUid };
}

/**
 * To the RIS: a corrected ORU^R01 for a report; for an order (ORM/OMI, no report yet) a procedure update
 * with order control XO, keyed by the order's filler number and carrying the linked study's UID.
 */
function risUpdate(c: Correction, report: Report, linked: Scan | undefined, ctx: OutboundContext): OutboundMessage | undefined {
  const legacy = report.hl7Version === '2.3.1' || report.hl7Version === '2.3';
  if (report.kind === 'report') {
    const body = buildReportCorrection({ report, newAccession: c.to, oldAccession: c.from }, hl7Options(ctx, ctx.outbound.ris, controlId(c), legacy ? '2.3.1' : '2.5.1'));
    return { correctionId: c.id, destination: Destination.Ris, messageType: 'ORU^R01', fileName: `${c.id}.hl7`, body, target: report.reportId };
  }
  if (!linked) return undefined;
  const body = buildProcedureUpdate(
    { scan: { ...linked, patient: { ...linked.patient, ...report.patient } }, newAccession: c.to, oldAccession: c.from, fillerOrderNumber: report.reportId },
    hl7Options(ctx, ctx.outbound.ris, controlId(c), legacy ? '2.3.1' : '2.5.1'),
  );
  return { correctionId: c.id, destination: Destination.Ris, messageType: legacy ? 'ORM^O01' : 'OMI^O23', fileName: `${c.id}.hl7`, body, target: report.reportId };
}

/** Plan every outbound message for a list of corrections; what cannot be planned is listed with a reason. */
export function planOutbound(corrections: readonly Correction[], ctx: OutboundContext): OutboundPlan {
  const scans = new Map(ctx.scans.map((s) => [s.studyInstanceUid, s]));
  const reports = new Map(ctx.reports.map((r) => [r.reportId, r]));
  const plan: OutboundPlan = { messages: [], skipped: [] };
  for (const c of corrections) {
    // Procedure updates and corrected reports carry accessions; header fixes travel as their own messages.
    if (c.field !== 'AccessionNumber') continue;
    if (c.target === 'scan') {
      const scan = c.studyInstanceUid ? scans.get(c.studyInstanceUid) : undefined;
      if (!scan) {
        plan.skipped.push({ correctionId: c.id, destination: Destination.Pacs, reason: 'record-not-found' });
        continue;
      }
      plan.messages.push(pacsUpdate(c, scan, ctx));
      fhirPatch(c, scan.fhirId ? `ImagingStudy/${scan.fhirId}` : undefined, ctx, plan);
    } else {
      const report = c.reportId ? reports.get(c.reportId) : undefined;
      if (!report) {
        plan.skipped.push({ correctionId: c.id, destination: Destination.Ris, reason: 'record-not-found' });
        continue;
      }
      if (report.sources.some((s) => s.kind === 'hl7')) {
        const m = risUpdate(c, report, scans.get(c.linkedTo), ctx);
        if (m) plan.messages.push(m);
        else plan.skipped.push({ correctionId: c.id, destination: Destination.Ris, reason: 'record-not-found' });
      }
      fhirPatch(c, report.fhirId && report.fhirType ? `${report.fhirType}/${report.fhirId}` : undefined, ctx, plan);
    }
  }
  return plan;
}
