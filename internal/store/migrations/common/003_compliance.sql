-- 003: compliance and exchange (issue 7). Times are unix milliseconds,
-- booleans INTEGER 0/1, as in 001.
-- Consent records carry the elements 42 CFR 2.31 requires.
ALTER TABLE consents ADD COLUMN discloser TEXT NOT NULL DEFAULT '';
ALTER TABLE consents ADD COLUMN information TEXT NOT NULL DEFAULT '';
ALTER TABLE consents ADD COLUMN recipients TEXT NOT NULL DEFAULT '';
ALTER TABLE consents ADD COLUMN purpose TEXT NOT NULL DEFAULT '';
ALTER TABLE consents ADD COLUMN expiry_event TEXT NOT NULL DEFAULT '';
ALTER TABLE consents ADD COLUMN signature TEXT NOT NULL DEFAULT '';
ALTER TABLE consents ADD COLUMN signed_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE consents ADD COLUMN revocation_notice INTEGER NOT NULL DEFAULT 0;
ALTER TABLE consents ADD COLUMN text_hash TEXT NOT NULL DEFAULT '';
CREATE INDEX IF NOT EXISTS consents_client ON consents(client_alias);
CREATE TABLE IF NOT EXISTS consent_texts (
  scope TEXT NOT NULL,
  version TEXT NOT NULL,
  body TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (scope, version)
);
-- Every view, export and model call of a Part 2 record, with the consent in
-- force at that moment (42 CFR 2.24/2.25 accounting).
CREATE TABLE IF NOT EXISTS disclosures (
  id TEXT PRIMARY KEY,
  at BIGINT NOT NULL,
  session_id TEXT NOT NULL,
  client_alias TEXT NOT NULL,
  kind TEXT NOT NULL,
  recipient TEXT NOT NULL,
  description TEXT NOT NULL,
  purpose TEXT NOT NULL,
  actor TEXT NOT NULL,
  consent_id TEXT NOT NULL DEFAULT '',
  consent_status TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS disclosures_client_at ON disclosures(client_alias, at);
CREATE INDEX IF NOT EXISTS disclosures_session ON disclosures(session_id);
-- Ed25519-signed audit chain heads.
CREATE TABLE IF NOT EXISTS audit_checkpoints (
  seq BIGINT PRIMARY KEY,
  head_hash TEXT NOT NULL,
  at BIGINT NOT NULL,
  public_key TEXT NOT NULL,
  signature TEXT NOT NULL
);
-- Retention: legal hold blocks purges, one policy row.
ALTER TABLE sessions ADD COLUMN legal_hold INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN legal_hold_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE transcripts ADD COLUMN purged_at BIGINT NOT NULL DEFAULT 0;
CREATE TABLE IF NOT EXISTS retention_policy (
  id INTEGER PRIMARY KEY,
  audio_days INTEGER NOT NULL,
  transcript_days INTEGER NOT NULL,
  purge_audio_after_transcription INTEGER NOT NULL,
  updated_by TEXT NOT NULL,
  updated_at BIGINT NOT NULL
);
INSERT INTO retention_policy (id, audio_days, transcript_days, purge_audio_after_transcription, updated_by, updated_at) VALUES (1, 30, 0, 1, 'default', 0)
