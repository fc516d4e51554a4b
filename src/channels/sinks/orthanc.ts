/**
 * Orthanc sink: applies an {@link ArchiveUpdate} (a new value of one attribute of one study: the
 * Accession Number, or a header fix such as Study Description or Patient's Name) in the image archive
 * itself, through Orthanc's REST API, guarded so that it never overwrites blindly:
 * - the study is looked up by Study Instance UID; not there (yet) → `retry` (`study-not-in-archive`);
 * - its value is read from stored instances (not the study index, which can lag, see below), one per
 *   series, since series-level attributes (Modality, Body Part Examined) may differ between series;
 * - every series already holds the new value → `delivered` (a repeat, or someone did it already);
 * - a series holds neither the old nor the new value (changed meanwhile, or series that disagree) →
 *   `dead` (`changed-in-archive`): a study-level Replace would overwrite that series too;
 * - otherwise `POST /studies/{id}/modify` replaces the value and appends an Original Attributes Sequence
 *   item with the old one, then the study is re-read to check the change took.
 * With `keepUids` (default) the UIDs are kept and the archive (OverwriteInstances) replaces the instances
 * in place; Orthanc 1.10 then still indexes the old study-level value (REST and C-FIND) until the study is
 * reconstructed, which the sink does. Without, Orthanc writes a copy with new UIDs and the original
 * study is deleted.
 * No answer, 5xx, 408, 429 → `retry`; other 4xx → `dead`. `detail` holds codes and HTTP statuses only.
 * @see DICOM PS3.3 C.12.1.1.9 "Original Attributes Sequence"
 * @see https://orthanc.uclouvain.be/book/users/anonymization.html (modification of studies)
 */
import { isAcclinkError } from '../../model/errors.ts';
import type { Clock } from '../../model/ports.ts';
import type { DeliveryLedger, DeliveryResult, Sink } from '../../model/sink.ts';
import type { CorrectableField } from '../../model/link.ts';
import { buildAttributeUpdate, CORRECTABLE_ATTRIBUTES, type AttributeUpdate } from '../../transforms/dicom/attribute-update.ts';
import { ARCHIVE_MESSAGE_TYPE, hl7Timestamp, type ArchiveUpdate, type OutboundMessage } from '../../transforms/outbound.ts';
import type { OrthancClient, OrthancModifyBody } from '../pacs/orthanc-client.ts';
import { PacsError } from '../pacs/orthanc-client.ts';
import { idempotent } from './ledger.ts';

export interface OrthancSinkOptions {
  client: OrthancClient;
  ledger: DeliveryLedger;
  /** Keep Study/Series/SOP Instance UIDs (default true); false: a modified copy with new UIDs replaces the study. */
  keepUids?: boolean;
  /** Time of Attribute Modification DateTime (0400,0562); the system clock by default. */
  clock?: Clock;
}

const KEEP_UIDS = ['StudyInstanceUID', 'SeriesInstanceUID', 'SOPInstanceUID'];
const ORIGINAL_ATTRIBUTES = 'OriginalAttributesSequence';

/** The body as an ArchiveUpdate, or undefined when it is not one. */
function parseUpdate(body: string): ArchiveUpdate | undefined {
  let v: unknown;
  try {
    v = JSON.parse(body);
  } catch {
    return undefined;
  }
  const u = v as Partial<ArchiveUpdate> | null;
  if (u === null || typeof u !== 'object') return undefined;
  if (typeof u.studyInstanceUid !== 'string' || !isCorrectable(u.attribute) || typeof u.to !== 'string') return undefined;
  if (u.from !== null && typeof u.from !== 'string') return undefined;
  return { studyInstanceUid: u.studyInstanceUid, attribute: u.attribute, from: u.from, to: u.to };
}

function isCorrectable(v: unknown): v is CorrectableField {
  return typeof v === 'string' && Object.hasOwn(CORRECTABLE_ATTRIBUTES, v);
}

/**
 * A value as the archive returns it, for comparing with the update's: trimmed (DICOM pads to even
 * length), and a PN without trailing empty components (`DOE^JOHN^^` is `DOE^JOHN`).
 * @see DICOM PS3.5 6.2 (PN component groups)
 */
function normalized(attribute: CorrectableField, v: unknown): string {
  if (typeof v !== 'string') return '';
  const t = v.trim();
  return CORRECTABLE_ATTRIBUTES[attribute].vr === 'PN' ? t.replace(/\^+$/, '') : t;
}

/** `PACS_REQUEST_FAILED: modify HTTP 400`, `PACS_UNAVAILABLE: lookup`: code, operation, status; never a body. */
function describe(e: PacsError): string {
  return `${e.code}: ${e.operation}${e.status === undefined ? '' : ` HTTP ${e.status}`}`;
}

function fromError(e: PacsError): DeliveryResult {
  return { outcome: e.transient ? 'retry' : 'dead', detail: describe(e) };
}

/** The study's headers as stored: what the archive really holds, and the history to append to. */
interface Current {
  /** The attribute's value in one instance of each series (normalized, '' when empty or absent). */
  values: string[];
  /** Items already in the first instance's Original Attributes Sequence (PS3.3 C.12.1.1.9: they shall be preserved). */
  history: unknown[];
}

/**
 * Reads the first instance and one instance of every other series. Orthanc's Replace writes one value
 * into every instance, so a study whose instances carry different histories gets the first instance's
 * history everywhere.
 */
async function readCurrent(client: OrthancClient, studyId: string, attribute: CorrectableField): Promise<Current | undefined> {
  const instances = await client.studyInstances(studyId);
  const first = instances[0];
  if (first === undefined) return undefined;
  const perSeries = [first, ...instances.filter((i, n) => i.ParentSeries !== first.ParentSeries && instances.findIndex((j) => j.ParentSeries === i.ParentSeries) === n)];
  const tags = await Promise.all(perSeries.map((i) => client.instanceTags(i.ID)));
  const seq = tags[0]?.[ORIGINAL_ATTRIBUTES];
  return { values: tags.map((t) => normalized(attribute, t[attribute])), history: Array.isArray(seq) ? (seq as unknown[]) : [] };
}

function modifyBody(update: AttributeUpdate, history: unknown[], keepUids: boolean): OrthancModifyBody {
  return {
    Replace: { ...update.orthanc.Replace, [ORIGINAL_ATTRIBUTES]: [...history, update.originalAttributes] },
    // Force: Orthanc refuses to keep SOP Instance UIDs of a modified instance without it.
    Force: true,
    ...(keepUids ? { Keep: [...KEEP_UIDS] } : {}),
  };
}

/**
 * Re-reads the modified study, its instances and (for attributes Orthanc indexes at study level) its
 * index: a 200 without the change (e.g. an archive set not to overwrite instances) is `dead`.
 */
async function verify(client: OrthancClient, studyId: string, want: ArchiveUpdate): Promise<DeliveryResult | undefined> {
  const to = normalized(want.attribute, want.to);
  const stored = await readCurrent(client, studyId, want.attribute);
  const indexed = (await client.studyMainTags(studyId))[want.attribute];
  const took = stored !== undefined && stored.values.every((v) => v === to) && (indexed === undefined || normalized(want.attribute, indexed) === to);
  return took ? undefined : { outcome: 'dead', detail: 'modify-not-applied' };
}

/**
 * UIDs kept: the modified instances replace the originals (same Orthanc ids), then the study's index
 * is rebuilt so that REST and C-FIND see the new value. Every step can be retried safely.
 */
async function modifyInPlace(client: OrthancClient, studyId: string, update: AttributeUpdate, want: ArchiveUpdate, current: Current): Promise<DeliveryResult> {
  const result = await client.modifyStudy(studyId, modifyBody(update, current.history, true));
  await client.reconstructStudy(result.ID);
  return (await verify(client, result.ID, want)) ?? { outcome: 'delivered', detail: 'modified: UIDs kept' };
}

/**
 * New UIDs: the modified copy is a new study and the original must go, or the archive holds both. Once
 * a copy may exist nothing is retried, since a retry would find the original unchanged and copy it
 * again: a modify without an answer, and any failure after it, is `dead` for a person to check.
 */
async function replaceWithCopy(client: OrthancClient, studyId: string, update: AttributeUpdate, want: ArchiveUpdate, current: Current): Promise<DeliveryResult> {
  let copyId: string;
  try {
    copyId = (await client.modifyStudy(studyId, modifyBody(update, current.history, false))).ID;
  } catch (e) {
    if (!(e instanceof PacsError)) throw e;
    // An HTTP error status: Orthanc refused or failed the job. No answer at all: a copy may exist.
    return e.status === undefined ? { outcome: 'dead', detail: `copy-state-unknown: ${describe(e)}` } : fromError(e);
  }
  try {
    const wrong = await verify(client, copyId, want);
    if (wrong) return wrong;
    await client.deleteStudy(studyId);
    return { outcome: 'delivered', detail: 'modified: copy with new UIDs, original deleted' };
  } catch (e) {
    if (e instanceof PacsError) return { outcome: 'dead', detail: `copy-state-unknown: ${describe(e)}` };
    throw e;
  }
}

/**
 * The archive holds the new value already; an earlier attempt may have stopped before re-indexing. An
 * attribute the study index does not show (patient- or series-level) is re-indexed every time: cheap and safe.
 */
async function alreadyApplied(client: OrthancClient, studyId: string, want: ArchiveUpdate): Promise<DeliveryResult> {
  const indexed = (await client.studyMainTags(studyId))[want.attribute];
  if (indexed === undefined || normalized(want.attribute, indexed) !== normalized(want.attribute, want.to)) await client.reconstructStudy(studyId);
  return { outcome: 'delivered', detail: 'already: the archive holds the new value' };
}

/**
 * Creates the sink for `archive` messages (`messageType` {@link ARCHIVE_MESSAGE_TYPE}). The message's
 * destination only scopes its ledger key; deliveries are idempotent by `deliveryKey` through `ledger`.
 * @see DICOM PS3.3 C.12.1.1.9 "Original Attributes Sequence"
 */
export function createOrthancSink(opts: OrthancSinkOptions): Sink {
  const { client } = opts;
  const keepUids = opts.keepUids ?? true;
  const clock = opts.clock ?? { now: () => new Date() };

  const send = async (message: OutboundMessage): Promise<DeliveryResult> => {
    if (message.messageType !== ARCHIVE_MESSAGE_TYPE) return { outcome: 'dead', detail: 'not an archive update' };
    const parsed = parseUpdate(message.body);
    if (parsed === undefined) return { outcome: 'dead', detail: 'invalid-archive-update: body is not an ArchiveUpdate' };
    let update: AttributeUpdate;
    try {
      update = buildAttributeUpdate(
        {
          studyInstanceUid: parsed.studyInstanceUid, changes: [{ keyword: parsed.attribute, from: parsed.from, to: parsed.to }],
          reason: parsed.attribute === 'AccessionNumber' ? 'accession' : 'header', correctionIds: [message.correctionId],
        },
        { modificationDateTime: hl7Timestamp(clock.now()) },
      );
    } catch (e) {
      // USAGE errors name the rule broken (length, characters), never the value.
      if (!isAcclinkError(e)) throw e;
      return { outcome: 'dead', detail: `invalid-archive-update: ${e.code}` };
    }
    try {
      const studyId = await client.lookupStudy(update.studyInstanceUid);
      const current = studyId === undefined ? undefined : await readCurrent(client, studyId, parsed.attribute);
      if (studyId === undefined || current === undefined) return { outcome: 'retry', detail: 'study-not-in-archive' };
      const [from, to] = [normalized(parsed.attribute, parsed.from ?? ''), normalized(parsed.attribute, parsed.to)];
      if (current.values.every((v) => v === to)) return await alreadyApplied(client, studyId, parsed);
      // Series holding the new value already (an interrupted earlier modify) are fine; any other value is not ours to overwrite.
      if (current.values.some((v) => v !== from && v !== to)) return { outcome: 'dead', detail: 'changed-in-archive' };
      return await (keepUids ? modifyInPlace : replaceWithCopy)(client, studyId, update, parsed, current);
    } catch (e) {
      if (e instanceof PacsError) return fromError(e);
      throw e;
    }
  };
  return { name: `orthanc:${client.url}`, deliver: idempotent(opts.ledger, send) };
}
