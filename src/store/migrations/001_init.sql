-- acclink store, version 001: records, links, corrections, review items, audit trail, inbound messages.
-- Records are JSONB payloads; the columns beside them are the linker's blocking keys, derived by the
-- application (src/store/keys.ts) so that every adapter agrees on normalization.

CREATE TABLE IF NOT EXISTS studies (
  study_instance_uid text PRIMARY KEY,
  patient_key        text,
  accession_key      text,
  exam_date          date,
  payload            jsonb NOT NULL
);
CREATE INDEX IF NOT EXISTS studies_patient_key_idx   ON studies (patient_key, exam_date) WHERE patient_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS studies_accession_key_idx ON studies (accession_key) WHERE accession_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS studies_exam_date_idx     ON studies (exam_date);

CREATE TABLE IF NOT EXISTS reports (
  report_id          text PRIMARY KEY,
  study_instance_uid text,
  patient_key        text,
  accession_key      text,
  exam_date          date,
  payload            jsonb NOT NULL
);
CREATE INDEX IF NOT EXISTS reports_patient_key_idx   ON reports (patient_key, exam_date) WHERE patient_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS reports_accession_key_idx ON reports (accession_key) WHERE accession_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS reports_exam_date_idx     ON reports (exam_date);
CREATE INDEX IF NOT EXISTS reports_study_uid_idx     ON reports (study_instance_uid) WHERE study_instance_uid IS NOT NULL;

CREATE TABLE IF NOT EXISTS links (
  study_instance_uid text NOT NULL,
  report_id          text NOT NULL,
  payload            jsonb NOT NULL,
  PRIMARY KEY (study_instance_uid, report_id)
);
CREATE INDEX IF NOT EXISTS links_report_id_idx ON links (report_id);

CREATE TABLE IF NOT EXISTS corrections (
  id                 text PRIMARY KEY,
  study_instance_uid text,
  report_id          text,
  payload            jsonb NOT NULL
);
CREATE INDEX IF NOT EXISTS corrections_study_uid_idx ON corrections (study_instance_uid) WHERE study_instance_uid IS NOT NULL;
CREATE INDEX IF NOT EXISTS corrections_report_id_idx ON corrections (report_id) WHERE report_id IS NOT NULL;

CREATE TABLE IF NOT EXISTS review_items (
  subject_key        text PRIMARY KEY,
  study_instance_uid text,
  report_id          text,
  status             text NOT NULL,
  payload            jsonb NOT NULL
);
CREATE INDEX IF NOT EXISTS review_items_study_uid_idx ON review_items (study_instance_uid) WHERE study_instance_uid IS NOT NULL;
CREATE INDEX IF NOT EXISTS review_items_report_id_idx ON review_items (report_id) WHERE report_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS review_items_status_idx    ON review_items (status);

CREATE TABLE IF NOT EXISTS audit_log (
  seq                bigserial PRIMARY KEY,
  at                 timestamptz NOT NULL,
  correction_id      text,
  study_instance_uid text,
  report_id          text,
  action             text NOT NULL,
  actor              text NOT NULL,
  payload            jsonb NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_log_correction_id_idx ON audit_log (correction_id) WHERE correction_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS audit_log_study_uid_idx     ON audit_log (study_instance_uid) WHERE study_instance_uid IS NOT NULL;
CREATE INDEX IF NOT EXISTS audit_log_report_id_idx     ON audit_log (report_id) WHERE report_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS audit_log_at_idx            ON audit_log (at);

CREATE TABLE IF NOT EXISTS inbound_messages (
  seq         bigserial PRIMARY KEY,
  source      text NOT NULL,
  control_id  text NOT NULL,
  received_at timestamptz NOT NULL,
  payload     text NOT NULL,
  UNIQUE (source, control_id)
);
CREATE INDEX IF NOT EXISTS inbound_messages_received_at_idx ON inbound_messages (received_at);

-- Optional: trigram indexes for fuzzy accession look-ups, only where pg_trgm can be installed (PGlite
-- usually cannot). Nothing in acclink depends on them.
DO $$
DECLARE
  ops text;
BEGIN
  BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;
  EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'pg_trgm not available: %', SQLERRM;
  END;
  SELECT quote_ident(n.nspname) || '.gin_trgm_ops' INTO ops
    FROM pg_opclass c JOIN pg_namespace n ON n.oid = c.opcnamespace
    JOIN pg_am a ON a.oid = c.opcmethod
   WHERE c.opcname = 'gin_trgm_ops' AND a.amname = 'gin'
   LIMIT 1;
  IF ops IS NOT NULL THEN
    EXECUTE format('CREATE INDEX IF NOT EXISTS studies_accession_trgm_idx ON studies USING gin (accession_key %s)', ops);
    EXECUTE format('CREATE INDEX IF NOT EXISTS reports_accession_trgm_idx ON reports USING gin (accession_key %s)', ops);
  END IF;
END
$$;
