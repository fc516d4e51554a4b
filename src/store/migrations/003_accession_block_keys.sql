-- acclink store, version 003: the linker's accession blocking keys (one-edit deletion keys of the
-- canonical accession and of its numeric core, digit groups) per record, so that candidate search finds a
-- record whose accession has a keying error even when no patient id is shared. Computed by the
-- application (src/store/keys.ts); rows stored before this version get them when next written.
ALTER TABLE studies ADD COLUMN IF NOT EXISTS accession_block_keys text[];
ALTER TABLE reports ADD COLUMN IF NOT EXISTS accession_block_keys text[];
CREATE INDEX IF NOT EXISTS studies_accession_block_keys_idx ON studies USING gin (accession_block_keys);
CREATE INDEX IF NOT EXISTS reports_accession_block_keys_idx ON reports USING gin (accession_block_keys);
