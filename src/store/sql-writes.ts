/**
 * The SQL statements that write arriving records, shared by the store's single calls and its
 * transactional `storeMessage` (one commit for a message's reports, pending jobs and receipt).
 */
import type { InboundMessage, PendingJob } from '../model/store.ts';
import type { Report, Scan } from '../model/types.ts';
import { reportKeys, scanKeys } from './keys.ts';
import type { SqlClient } from './sql.ts';

async function changed(c: SqlClient, text: string, params: unknown[]): Promise<boolean> {
  return (await c.query(text, params)).rows.length > 0;
}

/** Insert or replace a scan; true when new or changed. */
export async function putScanRow(c: SqlClient, scan: Scan): Promise<boolean> {
  const k = scanKeys(scan);
  return changed(c,
    `INSERT INTO studies (study_instance_uid, patient_key, accession_key, exam_date, payload, accession_block_keys, patient_digits)
     VALUES ($1, $2, $3, $4::date, $5::jsonb, $6::text[], $7)
     ON CONFLICT (study_instance_uid) DO UPDATE SET patient_key = EXCLUDED.patient_key,
       accession_key = EXCLUDED.accession_key, exam_date = EXCLUDED.exam_date, payload = EXCLUDED.payload,
       accession_block_keys = EXCLUDED.accession_block_keys, patient_digits = EXCLUDED.patient_digits
     WHERE studies.payload IS DISTINCT FROM EXCLUDED.payload
     RETURNING 1`,
    [scan.studyInstanceUid, k.patientKey, k.accessionKey, k.examDate, JSON.stringify(scan), k.accessionBlockKeys, k.patientDigits],
  );
}

/** Insert or replace a report; true when new or changed. */
export async function putReportRow(c: SqlClient, report: Report): Promise<boolean> {
  const k = reportKeys(report);
  return changed(c,
    `INSERT INTO reports (report_id, study_instance_uid, patient_key, accession_key, exam_date, payload, accession_block_keys, patient_digits)
     VALUES ($1, $2, $3, $4, $5::date, $6::jsonb, $7::text[], $8)
     ON CONFLICT (report_id) DO UPDATE SET study_instance_uid = EXCLUDED.study_instance_uid,
       patient_key = EXCLUDED.patient_key, accession_key = EXCLUDED.accession_key,
       exam_date = EXCLUDED.exam_date, payload = EXCLUDED.payload, accession_block_keys = EXCLUDED.accession_block_keys,
       patient_digits = EXCLUDED.patient_digits
     WHERE reports.payload IS DISTINCT FROM EXCLUDED.payload
     RETURNING 1`,
    [report.reportId, report.studyInstanceUid ?? null, k.patientKey, k.accessionKey, k.examDate, JSON.stringify(report), k.accessionBlockKeys, k.patientDigits],
  );
}

/** Record a received message unless already recorded. */
export async function recordInboundRow(c: SqlClient, m: InboundMessage): Promise<{ duplicate: boolean }> {
  const stored = await changed(c,
    `INSERT INTO inbound_messages (source, control_id, received_at, payload) VALUES ($1, $2, $3::timestamptz, $4)
     ON CONFLICT (source, control_id) DO NOTHING RETURNING 1`,
    [m.source, m.controlId, m.receivedAt, m.payload],
  );
  return { duplicate: !stored };
}

/** Remember a pending job once. */
export async function addPendingRow(c: SqlClient, job: PendingJob): Promise<void> {
  await c.query(
    'INSERT INTO pending_jobs (queue, job_id, payload) VALUES ($1, $2, $3::jsonb) ON CONFLICT (queue, job_id) DO NOTHING',
    [job.queue, job.jobId, JSON.stringify(job)],
  );
}
