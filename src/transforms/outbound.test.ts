import { describe, expect, it } from 'vitest';
import type { Correction } from '../model/link.ts';
import type { Report, Scan } from '../model/types.ts';
import { Hl7Message } from './hl7/message.ts';
import { hl7Timestamp, planOutbound, type OutboundContext } from './outbound.ts';

const scan: Scan = {
  studyInstanceUid: '1.2.3.4', accession: 'A9', fhirId: 'is1', patient: { id: 'P1', name: { family: 'DOE', given: 'JANE' } },
  modalities: ['CT'], bodyParts: [], seriesDescriptions: [], seriesCount: 1, instanceCount: 1, sources: [{ kind: 'dicom', path: 'a.dcm' }],
};
const order: Report = { reportId: 'F1', kind: 'order', patient: { id: 'P1' }, hl7Version: '2.5.1', sources: [{ kind: 'hl7', path: 'o.hl7' }] };
const oru: Report = { ...order, reportId: 'F2', kind: 'report', accession: 'A1', text: 'No acute findings.', hl7Version: '2.3' };

function ctx(fhir: Array<[string, unknown]> = []): OutboundContext {
  return {
    scans: [scan], reports: [order, oru], fhirResources: new Map(fhir), now: new Date('2026-04-01T12:00:00Z'),
    outbound: { pacsMessage: 'OMI^O23', sendingApplication: 'ACCLINK', sendingFacility: 'HOSP', pacs: { application: 'PACS', facility: 'HOSP' }, ris: { application: 'RIS', facility: 'HOSP' } },
  };
}
const correction = (o: Partial<Correction>): Correction => ({
  id: 'c0123456789abcdef012', target: 'scan', studyInstanceUid: '1.2.3.4', field: 'AccessionNumber', from: 'A9', to: 'A1', linkedTo: 'F2', probability: 0.99, reason: 'study-takes-report-accession', ...o,
});

describe('planOutbound', () => {
  it('sends a study correction to the PACS as OMI^O23 XO keyed by the study UID, and patches the ImagingStudy', () => {
    const imagingStudy = { resourceType: 'ImagingStudy', id: 'is1', identifier: [{ type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'ACSN' }] }, value: 'A9' }] };
    const plan = planOutbound([correction({})], ctx([['ImagingStudy/is1', imagingStudy]]));
    expect(plan.skipped).toEqual([]);
    expect(plan.messages.map((m) => [m.destination, m.messageType])).toEqual([['pacs', 'OMI^O23'], ['fhir', 'PATCH ImagingStudy']]);
    const msg = Hl7Message.parse(plan.messages[0]?.body ?? '');
    expect(msg.get('ORC-1')).toBe('XO');
    expect(msg.get('IPC-1')).toBe('A1');
    expect(msg.get('IPC-3')).toBe('1.2.3.4');
    expect(msg.get('MSH-7')).toBe(hl7Timestamp(new Date('2026-04-01T12:00:00Z')));
  });

  it('corrects a report with ORU^R01 OBR-25 C in the dialect it came in, and an order with a procedure update', () => {
    const plan = planOutbound([
      correction({ id: 'r1', target: 'report', studyInstanceUid: undefined, reportId: 'F2', from: null, to: 'A9', linkedTo: '1.2.3.4' }),
      correction({ id: 'r2', target: 'report', studyInstanceUid: undefined, reportId: 'F1', from: null, to: 'A9', linkedTo: '1.2.3.4' }),
    ], ctx());
    const [toOru, toOrder] = plan.messages;
    expect(toOru?.messageType).toBe('ORU^R01');
    const oruMsg = Hl7Message.parse(toOru?.body ?? '');
    expect(oruMsg.get('OBR-25')).toBe('C');
    expect(oruMsg.get('MSH-12')).toBe('2.3.1');
    expect(toOrder).toMatchObject({ destination: 'ris', messageType: 'OMI^O23', target: 'F1' });
    expect(Hl7Message.parse(toOrder?.body ?? '').get('ORC-1')).toBe('XO');
  });

  it('lists, rather than drops, a FHIR patch that the resource no longer fits', () => {
    const changed = { resourceType: 'ImagingStudy', id: 'is1', identifier: [{ type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'ACSN' }] }, value: 'OTHER' }] };
    const plan = planOutbound([correction({})], ctx([['ImagingStudy/is1', changed]]));
    expect(plan.messages.map((m) => m.destination)).toEqual(['pacs']);
    expect(plan.skipped).toEqual([{ correctionId: 'c0123456789abcdef012', destination: 'fhir', reason: 'fhir-resource-changed' }]);
  });
});
