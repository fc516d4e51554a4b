-- acclink store, version 005: find corrections by the value they changed from or to (the console's audit
-- search by accession), without reading every correction.
CREATE INDEX IF NOT EXISTS corrections_from_value_idx ON corrections (upper(payload->>'from'));
CREATE INDEX IF NOT EXISTS corrections_to_value_idx ON corrections (upper(payload->>'to'));
