/**
 * Outbound planning for header corrections (issue 4): a study's standardized or consensus-corrected
 * attributes go to the PACS as one attribute update per study (Original Attributes Sequence kept), and a
 * report-side demographic fix goes to the RIS as ADT^A08. Accession corrections are planned in outbound.ts.
 */
import type { Correction } from '../model/link.ts';
import { isAcclinkError } from '../model/errors.ts';
import type { PatientIdentity, Report, Sex } from '../model/types.ts';
import { buildAttributeUpdate } from './dicom/attribute-update.ts';
import { buildPatientUpdate } from './hl7/build-adt.ts';
import { Destination, hl7Timestamp, type OutboundContext, type OutboundPlan } from './outbound.ts';

/** DICOM DT of a Date in UTC with an explicit offset. */
function dicomDateTime(d: Date): string {
  return hl7Timestamp(d);
}

function corrected(patient: PatientIdentity, c: Correction): PatientIdentity {
  if (c.field === 'PatientName') {
    const [family = '', given = '', middle] = c.to.split('^');
    return { ...patient, name: { family, given, ...(middle ? { middle } : {}) } };
  }
  if (c.field === 'PatientBirthDate') return { ...patient, birthDate: `${c.to.slice(0, 4)}-${c.to.slice(4, 6)}-${c.to.slice(6, 8)}` };
  if (c.field === 'PatientSex') return { ...patient, sex: c.to as Sex };
  return patient;
}

function studyUpdates(corrections: readonly Correction[], ctx: OutboundContext, plan: OutboundPlan): void {
  const byStudy = new Map<string, Correction[]>();
  for (const c of corrections) {
    if (c.target !== 'scan' || c.field === 'AccessionNumber' || !c.studyInstanceUid) continue;
    byStudy.set(c.studyInstanceUid, [...(byStudy.get(c.studyInstanceUid) ?? []), c]);
  }
  for (const [uid, list] of byStudy) {
    try {
      const update = buildAttributeUpdate(
        { studyInstanceUid: uid, changes: list.map((c) => ({ keyword: c.field, from: c.from, to: c.to })), reason: [...new Set(list.map((c) => c.reason))].join(','), correctionIds: list.map((c) => c.id) },
        { modificationDateTime: dicomDateTime(ctx.now) },
      );
      const id = list.map((c) => c.id).sort()[0] ?? uid;
      plan.messages.push({ correctionId: id, destination: Destination.Pacs, messageType: 'DICOM attribute update', fileName: `${id}.json`, body: `${JSON.stringify(update, null, 2)}\n`, target: uid });
    } catch (e) {
      // A value the attribute's VR does not allow: listed for a person, never sent half-valid.
      if (!isAcclinkError(e)) throw e;
      for (const c of list) plan.skipped.push({ correctionId: c.id, destination: Destination.Pacs, reason: 'invalid-value' });
    }
  }
}

function patientUpdates(corrections: readonly Correction[], ctx: OutboundContext, plan: OutboundPlan): void {
  const reports = new Map(ctx.reports.map((r) => [r.reportId, r]));
  const byReport = new Map<string, Correction[]>();
  for (const c of corrections) {
    if (c.target !== 'report' || c.field === 'AccessionNumber' || !c.reportId) continue;
    byReport.set(c.reportId, [...(byReport.get(c.reportId) ?? []), c]);
  }
  for (const [reportId, list] of byReport) {
    const report: Report | undefined = reports.get(reportId);
    const id = list.map((c) => c.id).sort()[0] ?? reportId;
    if (!report?.patient.id) {
      for (const c of list) plan.skipped.push({ correctionId: c.id, destination: Destination.Ris, reason: 'record-not-found' });
      continue;
    }
    const patient = list.reduce(corrected, report.patient);
    const body = buildPatientUpdate({ patient, previous: report.patient }, {
      version: report.hl7Version === '2.3' || report.hl7Version === '2.3.1' ? '2.3.1' : '2.5.1', controlId: id.slice(0, 20),
      timestamp: hl7Timestamp(ctx.now), sendingApplication: ctx.outbound.sendingApplication, sendingFacility: ctx.outbound.sendingFacility,
      receivingApplication: ctx.outbound.ris.application, receivingFacility: ctx.outbound.ris.facility,
    });
    plan.messages.push({ correctionId: id, destination: Destination.Ris, messageType: 'ADT^A08', fileName: `${id}.hl7`, body, target: reportId });
  }
}

/** Plan the messages for header corrections, appending to `plan`. */
export function planHeaderOutbound(corrections: readonly Correction[], ctx: OutboundContext, plan: OutboundPlan): void {
  studyUpdates(corrections, ctx, plan);
  patientUpdates(corrections, ctx, plan);
}
