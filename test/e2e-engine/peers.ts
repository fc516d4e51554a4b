/**
 * What the end-to-end engine test reads from (and writes to) the real peers: Orthanc over its REST API
 * (the accession as stored in each instance file, and every UID), the FHIR server over REST (PUT of the
 * synthetic resources, ImagingStudy accessions read back from its repository), and the HL7 messages the
 * RIS and PACS peers received, reduced to the fields the assertions need.
 * @see https://orthanc.uclouvain.be/book/users/rest.html
 * @see https://hl7.org/fhir/R4/http.html#update
 */
import type { ImagingStudy } from '@medplum/fhirtypes';
import type { TestFhirServer } from '../support/fhir-server.ts';
import type { FhirResourceJson } from './hospital.ts';

const TIMEOUT_MS = 10_000;

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

/** One study as Orthanc holds it now. */
export interface ArchivedStudy {
  uid: string;
  /** AccessionNumber of each stored instance file (they must agree). */
  fileAccessions: string[];
  /** AccessionNumber in Orthanc's study index (what REST lists and C-FIND answers from). */
  indexAccession: string;
  seriesUids: string[];
  sopUids: string[];
  stable: boolean;
}

interface OrthancStudy { ID: string; IsStable: boolean; MainDicomTags: { StudyInstanceUID?: string; AccessionNumber?: string } }
interface OrthancInstance { ID: string; ParentSeries: string; MainDicomTags: { SOPInstanceUID?: string } }
interface OrthancSeries { ID: string; MainDicomTags: { SeriesInstanceUID?: string } }

/** Every study in Orthanc, by Study Instance UID, read from the stored instances (not only the index). */
export async function readArchive(url: string): Promise<Map<string, ArchivedStudy>> {
  const out = new Map<string, ArchivedStudy>();
  for (const s of await getJson<OrthancStudy[]>(`${url}/studies?expand`)) {
    const uid = s.MainDicomTags.StudyInstanceUID ?? '';
    const series = await getJson<OrthancSeries[]>(`${url}/studies/${s.ID}/series`);
    const instances = await getJson<OrthancInstance[]>(`${url}/studies/${s.ID}/instances`);
    const fileAccessions: string[] = [];
    for (const i of instances) {
      const tags = await getJson<{ AccessionNumber?: string }>(`${url}/instances/${i.ID}/simplified-tags`);
      fileAccessions.push(tags.AccessionNumber ?? '');
    }
    out.set(uid, {
      uid, fileAccessions, indexAccession: s.MainDicomTags.AccessionNumber ?? '', stable: s.IsStable,
      seriesUids: series.map((x) => x.MainDicomTags.SeriesInstanceUID ?? '').sort(),
      sopUids: instances.map((x) => x.MainDicomTags.SOPInstanceUID ?? '').sort(),
    });
  }
  return out;
}

/** Orthanc's last change sequence number (what its poller must have reached). */
export async function lastChange(url: string): Promise<number> {
  return (await getJson<{ Last: number }>(`${url}/changes?last`)).Last;
}

/** True when Orthanc holds no study that is still waiting to become stable. */
export async function allStable(url: string): Promise<boolean> {
  return (await getJson<OrthancStudy[]>(`${url}/studies?expand`)).every((s) => s.IsStable);
}

/** Creates each resource with its own id (`PUT Type/id`, update as create), as a registering system does. */
export async function putResources(baseUrl: string, resources: readonly FhirResourceJson[]): Promise<void> {
  for (const r of resources) {
    const res = await fetch(`${baseUrl}/${r.resourceType}/${r.id}`, {
      method: 'PUT', headers: { 'Content-Type': 'application/fhir+json' }, body: JSON.stringify(r), signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    if (res.status !== 200 && res.status !== 201) throw new Error(`PUT ${r.resourceType}/${r.id}: HTTP ${res.status} ${await res.text()}`);
    await res.body?.cancel();
  }
}

const ACSN = (i: NonNullable<ImagingStudy['identifier']>[number]): boolean =>
  i.type?.coding?.some((c) => c.system === 'http://terminology.hl7.org/CodeSystem/v2-0203' && c.code === 'ACSN') === true;

/** One ImagingStudy as the FHIR server holds it now. */
export interface RegisteredStudy {
  id: string;
  uid: string;
  /** The ACSN identifier's value; '' without one. */
  accession: string;
  /** How many ACSN identifiers it has (a patch must replace, not add). */
  accessionIdentifiers: number;
  lastUpdated: string;
}

/** Every ImagingStudy on the server, by Study Instance UID (read from the repository, not over HTTP). */
export async function readImagingStudies(fhir: TestFhirServer): Promise<Map<string, RegisteredStudy>> {
  const bundle = await fhir.repo.search<ImagingStudy>({ resourceType: 'ImagingStudy', count: 1000 });
  const out = new Map<string, RegisteredStudy>();
  for (const e of bundle.entry ?? []) {
    const r = e.resource;
    if (!r?.id) continue;
    const uid = (r.identifier ?? []).find((i) => i.system === 'urn:dicom:uid')?.value?.replace(/^urn:oid:/, '') ?? '';
    const acsn = (r.identifier ?? []).filter(ACSN);
    out.set(uid, { id: r.id, uid, accession: acsn[0]?.value ?? '', accessionIdentifiers: acsn.length, lastUpdated: r.meta?.lastUpdated ?? '' });
  }
  return out;
}

/** The fields of one received HL7 message the assertions read. */
export interface ReceivedMessage {
  /** MSH-9 */
  type: string;
  /** MSH-10 */
  controlId: string;
  /** OBR-3 (first component) */
  reportId: string;
  /** OBR-18 (first component) */
  obrAccession: string;
  /** OBR-25 */
  resultStatus: string;
  /** IPC-1 (first component), for OMI^O23 */
  ipcAccession: string;
  /** IPC-3, for OMI^O23 */
  studyUid: string;
  text: string;
}

/** Reads the identifying fields of a message as a peer received it. */
export function readReceived(text: string): ReceivedMessage {
  const segs = text.split(/\r\n|\r|\n/);
  const seg = (id: string): string[] => segs.find((s) => s.startsWith(`${id}|`))?.split('|') ?? [];
  const first = (v: string | undefined): string => v?.split('^')[0] ?? '';
  const [msh, obr, ipc] = [seg('MSH'), seg('OBR'), seg('IPC')];
  return {
    type: msh[8] ?? '', controlId: msh[9] ?? '', reportId: first(obr[3]), obrAccession: first(obr[18]), resultStatus: obr[25] ?? '',
    ipcAccession: first(ipc[1]), studyUid: ipc[3] ?? '', text,
  };
}
