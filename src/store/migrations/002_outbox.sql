-- acclink store, version 002: a transactional outbox of pending jobs (the queue may lose jobs when Redis
-- keeps nothing on disk; the store does not), the delivery ledger, poller checkpoints, review state.

CREATE TABLE IF NOT EXISTS pending_jobs (
  seq      bigserial,
  queue    text NOT NULL,
  job_id   text NOT NULL,
  payload  jsonb NOT NULL,
  PRIMARY KEY (queue, job_id)
);
CREATE INDEX IF NOT EXISTS pending_jobs_seq_idx ON pending_jobs (seq);

CREATE TABLE IF NOT EXISTS deliveries (
  delivery_key text PRIMARY KEY,
  at           timestamptz NOT NULL,
  payload      jsonb NOT NULL
);

CREATE TABLE IF NOT EXISTS checkpoints (
  name  text PRIMARY KEY,
  value text NOT NULL
);

ALTER TABLE review_items ADD COLUMN IF NOT EXISTS state text NOT NULL DEFAULT 'open';
CREATE INDEX IF NOT EXISTS review_items_state_idx ON review_items (state);
CREATE INDEX IF NOT EXISTS audit_log_action_idx ON audit_log (action);
