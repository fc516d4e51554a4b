/**
 * The Orthanc sink against a real Orthanc (started once for this file), with a node:http proxy in front
 * that counts modify calls and fails them on demand (AE → 503, AR → 400).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../model/ports.ts';
import { ARCHIVE_MESSAGE_TYPE, type ArchiveUpdate, type Destination, type OutboundMessage } from '../../transforms/outbound.ts';
import {
  findscuStudiesByAccession, startOrthanc, startOrthancProxy, storeFiles, writeTestStudy,
  type OrthancProxy, type RunningOrthanc, type TestStudyOptions,
} from '../../../test/support/orthanc.ts';
import { createOrthancClient, type OrthancClient } from '../pacs/orthanc-client.ts';
import { sinkContract } from './contract.ts';
import { createMemoryLedger } from './ledger.ts';
import { createOrthancSink } from './orthanc.ts';
import { freePort } from './ris-peer.ts';

let orthanc: RunningOrthanc;
let dir: string;
let direct: OrthancClient;
let seq = 0;

beforeAll(async () => {
  orthanc = await startOrthanc();
  dir = await mkdtemp(join(tmpdir(), 'acclink-orthanc-sink-'));
  direct = createOrthancClient({ url: orthanc.url, timeoutMs: 10_000 });
});

afterAll(async () => {
  await orthanc?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const proxies: OrthancProxy[] = [];
afterEach(async () => {
  for (const p of proxies.splice(0)) await p.close();
});

async function proxy(): Promise<OrthancProxy> {
  const p = await startOrthancProxy(orthanc.url);
  proxies.push(p);
  return p;
}

/** Accession values unlike anything else in a detail: `ZZA` + run-unique digits. */
function accession(): string {
  seq += 1;
  return `ZZA${process.pid % 1000}${String(seq).padStart(5, '0')}`;
}

/** Uploads a fresh study over REST; resolves its Study Instance UID. */
async function upload(opts: TestStudyOptions = {}): Promise<{ uid: string; sops: string[]; series: string[] }> {
  const study = await writeTestStudy(dir, opts);
  await storeFiles(orthanc.url, study.paths);
  return { uid: study.studyInstanceUid, sops: study.sopInstanceUids, series: study.seriesInstanceUids };
}

function archiveMessage(correctionId: string, update: ArchiveUpdate, destination: Destination = 'archive'): OutboundMessage {
  return { correctionId, destination, messageType: ARCHIVE_MESSAGE_TYPE, fileName: `${correctionId}.json`, body: JSON.stringify(update), target: update.studyInstanceUid };
}

async function accessionOf(uid: string): Promise<string | undefined> {
  const id = await direct.lookupStudy(uid);
  return id === undefined ? undefined : (await direct.studyMainTags(id)).AccessionNumber;
}

sinkContract('orthanc (real Orthanc behind a proxy)', async (ledger) => {
  const p = await startOrthancProxy(orthanc.url);
  const sink = createOrthancSink({ client: createOrthancClient({ url: p.url, timeoutMs: 10_000 }), ledger });
  return {
    sink,
    received: () => p.modifies,
    answer: (code) => p.answerModify(code === 'AA' ? 'forward' : code === 'AE' ? 'unavailable' : 'reject'),
    message: async (correctionId, destination) => {
      const from = accession();
      const { uid } = await upload({ accession: from });
      return archiveMessage(correctionId, { studyInstanceUid: uid, attribute: 'AccessionNumber', from, to: accession() }, destination);
    },
    hl7Acks: false,
    close: () => p.close(),
  };
});

describe('Orthanc sink', () => {
  const clock = fixedClock('2024-03-05T12:00:00Z');

  it('changes the accession with every UID kept, records the old value, and C-FIND finds the new one', async () => {
    const [a1, a2, a3] = [accession(), accession(), accession()];
    const { uid, sops, series } = await upload({ accession: a1, series: 2, instancesPerSeries: 2 });
    const idBefore = await direct.lookupStudy(uid);
    const p = await proxy();
    const sink = createOrthancSink({ client: createOrthancClient({ url: p.url }), ledger: createMemoryLedger(), clock });

    const r = await sink.deliver(archiveMessage('c0ffee00000000000000000000e1', { studyInstanceUid: uid, attribute: 'AccessionNumber', from: a1, to: a2 }));
    expect(r).toEqual({ outcome: 'delivered', detail: 'modified: UIDs kept' });
    expect(p.modifies).toHaveLength(1);
    expect(JSON.parse(p.modifies[0] ?? '{}')).toMatchObject({ Keep: ['StudyInstanceUID', 'SeriesInstanceUID', 'SOPInstanceUID'], Force: true });

    // Same Orthanc id (it hashes the UIDs), same instances, new value.
    const id = await direct.lookupStudy(uid);
    expect(id).toBe(idBefore);
    expect((await direct.studyMainTags(id ?? '')).AccessionNumber).toBe(a2);
    const instances = await direct.studyInstances(id ?? '');
    expect(instances.map((i) => i.MainDicomTags.SOPInstanceUID).sort()).toEqual([...sops].sort());
    expect(new Set(instances.map((i) => i.ParentSeries)).size).toBe(series.length);

    // Over DICOM too: C-FIND on the new accession finds the study, on the old one nothing.
    expect(await findscuStudiesByAccession(orthanc.aet, orthanc.dicomPort, a2)).toEqual([uid]);
    expect(await findscuStudiesByAccession(orthanc.aet, orthanc.dicomPort, a1)).toEqual([]);

    // A second correction appends to the Original Attributes Sequence of every instance.
    expect((await sink.deliver(archiveMessage('c0ffee00000000000000000000e2', { studyInstanceUid: uid, attribute: 'AccessionNumber', from: a2, to: a3 }))).outcome).toBe('delivered');
    for (const instance of await direct.studyInstances(id ?? '')) {
      const tags = await direct.instanceTags(instance.ID);
      expect(tags.AccessionNumber).toBe(a3);
      expect(tags.OriginalAttributesSequence).toEqual([1, 2].map((n) => ({
        ModifiedAttributesSequence: [{ AccessionNumber: n === 1 ? a1 : a2 }],
        AttributeModificationDateTime: '20240305120000+0000',
        ModifyingSystem: 'ACCLINK',
        ReasonForTheAttributeModification: 'CORRECT',
        SourceOfPreviousValues: '',
      })));
    }
  });

  it('a header fix: StudyDescription is replaced in every instance, the old value kept, the accession untouched; a wrong from is refused', async () => {
    const a1 = accession();
    const { uid } = await upload({ accession: a1, series: 2, instancesPerSeries: 2 });
    const p = await proxy();
    const sink = createOrthancSink({ client: createOrthancClient({ url: p.url }), ledger: createMemoryLedger(), clock });
    const fix: ArchiveUpdate = { studyInstanceUid: uid, attribute: 'StudyDescription', from: 'CT CHEST', to: 'CT CHEST WITHOUT CONTRAST' };

    const stale = await sink.deliver(archiveMessage('c0ffee00000000000000000000d0', { ...fix, from: 'CT THORAX W/O' }));
    expect(stale).toEqual({ outcome: 'dead', detail: 'changed-in-archive' });
    expect(p.modifies).toEqual([]);

    expect(await sink.deliver(archiveMessage('c0ffee00000000000000000000d1', fix))).toEqual({ outcome: 'delivered', detail: 'modified: UIDs kept' });
    expect(JSON.parse(p.modifies[0] ?? '{}')).toMatchObject({ Replace: { StudyDescription: 'CT CHEST WITHOUT CONTRAST' }, Force: true });
    const id = (await direct.lookupStudy(uid)) ?? '';
    expect(await direct.studyMainTags(id)).toMatchObject({ StudyDescription: 'CT CHEST WITHOUT CONTRAST', AccessionNumber: a1 });
    const instances = await direct.studyInstances(id);
    expect(instances).toHaveLength(4);
    for (const instance of instances) {
      const tags = await direct.instanceTags(instance.ID);
      expect(tags).toMatchObject({ StudyDescription: 'CT CHEST WITHOUT CONTRAST', AccessionNumber: a1 });
      expect(tags.OriginalAttributesSequence).toEqual([{
        ModifiedAttributesSequence: [{ StudyDescription: 'CT CHEST' }], AttributeModificationDateTime: '20240305120000+0000',
        ModifyingSystem: 'ACCLINK', ReasonForTheAttributeModification: 'CORRECT', SourceOfPreviousValues: '',
      }]);
    }
    // A repeat with a lost ledger finds the value in place: nothing sent again.
    const fresh = createOrthancSink({ client: createOrthancClient({ url: p.url }), ledger: createMemoryLedger(), clock });
    expect(await fresh.deliver(archiveMessage('c0ffee00000000000000000000d1', fix))).toEqual({ outcome: 'delivered', detail: 'already: the archive holds the new value' });
    expect(p.modifies).toHaveLength(1);
  });

  it('a patient-level fix (PatientName) applies at study level; a PN with trailing empty components counts as the same value', async () => {
    const { uid } = await upload({ patientName: 'Zztestfamily^Zzgiven^^' });
    const sink = createOrthancSink({ client: direct, ledger: createMemoryLedger(), clock });
    const fix: ArchiveUpdate = { studyInstanceUid: uid, attribute: 'PatientName', from: 'Zztestfamily^Zzgiven', to: 'ZZTESTFAMILY^ZZGIVEN' };
    expect(await sink.deliver(archiveMessage('c0ffee00000000000000000000d2', fix))).toEqual({ outcome: 'delivered', detail: 'modified: UIDs kept' });
    const [instance] = await direct.studyInstances((await direct.lookupStudy(uid)) ?? '');
    expect((await direct.instanceTags(instance?.ID ?? '')).PatientName).toBe('ZZTESTFAMILY^ZZGIVEN');
  });

  it('series that disagree on a series-level attribute (Modality) → dead changed-in-archive: a study-level Replace would overwrite them all', async () => {
    const { uid, series } = await upload({ series: 2, instancesPerSeries: 1, modality: 'CT' });
    // Make the second series an MR in place, as a mixed study would be.
    const seriesId = (await (await fetch(`${orthanc.url}/tools/lookup`, { method: 'POST', body: series[1] })).json() as Array<{ ID: string }>)[0]?.ID ?? '';
    const res = await fetch(`${orthanc.url}/series/${seriesId}/modify`, {
      method: 'POST', body: JSON.stringify({ Replace: { Modality: 'MR' }, Keep: ['StudyInstanceUID', 'SeriesInstanceUID', 'SOPInstanceUID'], Force: true }),
    });
    expect(res.status).toBe(200);
    await res.body?.cancel();
    const p = await proxy();
    const sink = createOrthancSink({ client: createOrthancClient({ url: p.url }), ledger: createMemoryLedger(), clock });
    const r = await sink.deliver(archiveMessage('c0ffee00000000000000000000d3', { studyInstanceUid: uid, attribute: 'Modality', from: 'CT', to: 'OT' }));
    expect(r).toEqual({ outcome: 'dead', detail: 'changed-in-archive' });
    expect(p.modifies).toEqual([]);
  });

  it('a study changed in the archive meanwhile → dead changed-in-archive, nothing sent, study untouched', async () => {
    const [actual, expected, wanted] = [accession(), accession(), accession()];
    const { uid } = await upload({ accession: actual });
    const p = await proxy();
    const ledger = createMemoryLedger();
    const sink = createOrthancSink({ client: createOrthancClient({ url: p.url }), ledger });
    const r = await sink.deliver(archiveMessage('c0ffee00000000000000000000e3', { studyInstanceUid: uid, attribute: 'AccessionNumber', from: expected, to: wanted }));
    expect(r).toEqual({ outcome: 'dead', detail: 'changed-in-archive' });
    expect(p.modifies).toEqual([]);
    expect(ledger.entries()).toEqual([]);
    expect(await accessionOf(uid)).toBe(actual);
  });

  it('after a success, re-delivery sends nothing: from the ledger, and with a lost ledger from the archive state', async () => {
    const [from, to] = [accession(), accession()];
    const { uid } = await upload({ accession: from });
    const p = await proxy();
    const client = createOrthancClient({ url: p.url });
    const m = archiveMessage('c0ffee00000000000000000000e4', { studyInstanceUid: uid, attribute: 'AccessionNumber', from, to });
    const sink = createOrthancSink({ client, ledger: createMemoryLedger() });
    expect((await sink.deliver(m)).outcome).toBe('delivered');
    expect(await sink.deliver({ ...m })).toEqual({ outcome: 'delivered', detail: 'already delivered; not sent again' });
    const fresh = createOrthancSink({ client, ledger: createMemoryLedger() });
    expect(await fresh.deliver({ ...m })).toEqual({ outcome: 'delivered', detail: 'already: the archive holds the new value' });
    expect(p.modifies).toHaveLength(1);
    expect(await accessionOf(uid)).toBe(to);
  });

  it('an earlier attempt that stopped before re-indexing: delivered from the instances, index repaired, no modify', async () => {
    const [from, to] = [accession(), accession()];
    const { uid } = await upload({ accession: from, series: 1, instancesPerSeries: 2 });
    const id = (await direct.lookupStudy(uid)) ?? '';
    // What a crash between modify and reconstruct leaves: new instances, the old study-level index.
    await direct.modifyStudy(id, { Replace: { AccessionNumber: to }, Keep: ['StudyInstanceUID', 'SeriesInstanceUID', 'SOPInstanceUID'], Force: true });
    expect((await direct.studyMainTags(id)).AccessionNumber).toBe(from);
    const p = await proxy();
    const sink = createOrthancSink({ client: createOrthancClient({ url: p.url }), ledger: createMemoryLedger() });
    const r = await sink.deliver(archiveMessage('c0ffee00000000000000000000eb', { studyInstanceUid: uid, attribute: 'AccessionNumber', from, to }));
    expect(r).toEqual({ outcome: 'delivered', detail: 'already: the archive holds the new value' });
    expect(p.modifies).toEqual([]);
    expect((await direct.studyMainTags(id)).AccessionNumber).toBe(to);
  });

  it('keepUids false: a copy with new UIDs holds the new accession and the original study is gone', async () => {
    const [from, to] = [accession(), accession()];
    const { uid, sops } = await upload({ accession: from, series: 2, instancesPerSeries: 1 });
    const sink = createOrthancSink({ client: direct, ledger: createMemoryLedger(), keepUids: false });
    const r = await sink.deliver(archiveMessage('c0ffee00000000000000000000e5', { studyInstanceUid: uid, attribute: 'AccessionNumber', from, to }));
    expect(r).toEqual({ outcome: 'delivered', detail: 'modified: copy with new UIDs, original deleted' });
    expect(await direct.lookupStudy(uid)).toBeUndefined();
    const found = await findscuStudiesByAccession(orthanc.aet, orthanc.dicomPort, to);
    expect(found).toHaveLength(1);
    expect(found[0]).not.toBe(uid);
    const copy = await direct.lookupStudy(found[0] ?? '');
    const instances = await direct.studyInstances(copy ?? '');
    expect(instances).toHaveLength(sops.length);
    expect(instances.some((i) => sops.includes(i.MainDicomTags.SOPInstanceUID ?? ''))).toBe(false);
  });

  it('a study not (yet) in the archive → retry study-not-in-archive', async () => {
    const sink = createOrthancSink({ client: direct, ledger: createMemoryLedger() });
    const r = await sink.deliver(archiveMessage('c0ffee00000000000000000000e6', { studyInstanceUid: '2.25.1234567', attribute: 'AccessionNumber', from: null, to: accession() }));
    expect(r).toEqual({ outcome: 'retry', detail: 'study-not-in-archive' });
  });

  it('an empty accession (from: null) is filled in', async () => {
    const to = accession();
    const { uid } = await upload({});
    const sink = createOrthancSink({ client: direct, ledger: createMemoryLedger() });
    expect((await sink.deliver(archiveMessage('c0ffee00000000000000000000e7', { studyInstanceUid: uid, attribute: 'AccessionNumber', from: null, to }))).outcome).toBe('delivered');
    expect(await accessionOf(uid)).toBe(to);
  });

  it('failures keep tag values out of details: 503 → retry, 400 → dead, both with the status only', async () => {
    const [from, to] = [accession(), accession()];
    const { uid } = await upload({ accession: from });
    const p = await proxy();
    const sink = createOrthancSink({ client: createOrthancClient({ url: p.url }), ledger: createMemoryLedger() });
    const m = archiveMessage('c0ffee00000000000000000000e8', { studyInstanceUid: uid, attribute: 'AccessionNumber', from, to });
    p.answerModify('unavailable');
    expect(await sink.deliver(m)).toEqual({ outcome: 'retry', detail: 'PACS_REQUEST_FAILED: modify HTTP 503' });
    p.answerModify('reject');
    expect(await sink.deliver(m)).toEqual({ outcome: 'dead', detail: 'PACS_REQUEST_FAILED: modify HTTP 400' });
    expect(await accessionOf(uid)).toBe(from);
  });

  it('Orthanc down → retry PACS_UNAVAILABLE; a bad message → dead, nothing sent', async () => {
    const port = await freePort();
    const down = createOrthancSink({ client: createOrthancClient({ url: `http://127.0.0.1:${port}`, timeoutMs: 2000 }), ledger: createMemoryLedger() });
    const update: ArchiveUpdate = { studyInstanceUid: '2.25.99', attribute: 'AccessionNumber', from: null, to: 'ZZNEW1' };
    expect(await down.deliver(archiveMessage('c0ffee00000000000000000000e9', update))).toEqual({ outcome: 'retry', detail: 'PACS_UNAVAILABLE: lookup' });

    const p = await proxy();
    const sink = createOrthancSink({ client: createOrthancClient({ url: p.url }), ledger: createMemoryLedger() });
    const base = archiveMessage('c0ffee00000000000000000000ea', update);
    expect(await sink.deliver({ ...base, messageType: 'ORU^R01' })).toEqual({ outcome: 'dead', detail: 'not an archive update' });
    expect(await sink.deliver({ ...base, body: '{"studyInstanceUid":1}' })).toEqual({ outcome: 'dead', detail: 'invalid-archive-update: body is not an ArchiveUpdate' });
    expect(await sink.deliver({ ...base, body: JSON.stringify({ ...update, attribute: 'PatientID' }) })).toEqual({ outcome: 'dead', detail: 'invalid-archive-update: body is not an ArchiveUpdate' });
    expect(await sink.deliver({ ...base, body: JSON.stringify({ ...update, attribute: 'BodyPartExamined', to: 'chest' }) })).toEqual({ outcome: 'dead', detail: 'invalid-archive-update: USAGE' });
    expect(await sink.deliver({ ...base, body: JSON.stringify({ ...update, to: 'X'.repeat(17) }) })).toEqual({ outcome: 'dead', detail: 'invalid-archive-update: USAGE' });
    expect(p.modifies).toEqual([]);
  });
});
