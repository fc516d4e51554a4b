-- acclink store, version 004: the digit core of the patient id, so that candidate search finds a patient
-- whose id differs between RIS and PACS only in a site prefix or zero padding (the linker compares these
-- as `same-digits`). Computed by the application (src/store/keys.ts); rows stored before this version get
-- it when next written.
ALTER TABLE studies ADD COLUMN IF NOT EXISTS patient_digits text;
ALTER TABLE reports ADD COLUMN IF NOT EXISTS patient_digits text;
CREATE INDEX IF NOT EXISTS studies_patient_digits_idx ON studies (patient_digits, exam_date) WHERE patient_digits IS NOT NULL;
CREATE INDEX IF NOT EXISTS reports_patient_digits_idx ON reports (patient_digits, exam_date) WHERE patient_digits IS NOT NULL;
