CREATE TABLE IF NOT EXISTS sessions (
  id TEXT PRIMARY KEY,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  source TEXT NOT NULL,
  status TEXT NOT NULL,
  template TEXT NOT NULL DEFAULT 'soap',
  modality TEXT NOT NULL DEFAULT 'general',
  program TEXT NOT NULL DEFAULT 'mh',
  is_group INTEGER NOT NULL DEFAULT 0,
  client_alias TEXT NOT NULL DEFAULT '',
  clinician TEXT NOT NULL DEFAULT '',
  consent_attested_by TEXT NOT NULL DEFAULT '',
  capture_ended INTEGER NOT NULL DEFAULT 0,
  duration_ms BIGINT NOT NULL DEFAULT 0,
  failed_stage TEXT NOT NULL DEFAULT '',
  failed_reason TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS stages (
  session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  stage TEXT NOT NULL,
  chunk_id BIGINT NOT NULL DEFAULT 0,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  error TEXT NOT NULL DEFAULT '',
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (session_id, stage, chunk_id)
);
CREATE TABLE IF NOT EXISTS chunks (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  speaker TEXT NOT NULL,
  idx INTEGER NOT NULL,
  start_ms BIGINT NOT NULL,
  end_ms BIGINT NOT NULL,
  audio_blob TEXT NOT NULL,
  transcript_blob TEXT NOT NULL DEFAULT '',
  state TEXT NOT NULL DEFAULT 'pending',
  audio_purged INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  UNIQUE (session_id, speaker, idx)
);
CREATE TABLE IF NOT EXISTS transcripts (
  session_id TEXT PRIMARY KEY REFERENCES sessions(id) ON DELETE CASCADE,
  redacted_blob TEXT NOT NULL,
  map_blob TEXT NOT NULL,
  segments INTEGER NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS drafts (
  id TEXT PRIMARY KEY,
  session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  version INTEGER NOT NULL,
  status TEXT NOT NULL,
  template TEXT NOT NULL,
  prompt_version TEXT NOT NULL DEFAULT '',
  provider TEXT NOT NULL DEFAULT '',
  model TEXT NOT NULL DEFAULT '',
  prompt_tokens INTEGER NOT NULL DEFAULT 0,
  completion_tokens INTEGER NOT NULL DEFAULT 0,
  latency_ms BIGINT NOT NULL DEFAULT 0,
  passes INTEGER NOT NULL DEFAULT 1,
  content TEXT NOT NULL,
  flags TEXT NOT NULL DEFAULT '[]',
  content_hash TEXT NOT NULL DEFAULT '',
  signed_by TEXT NOT NULL DEFAULT '',
  signed_at BIGINT NOT NULL DEFAULT 0,
  attestation TEXT NOT NULL DEFAULT '',
  reject_reason TEXT NOT NULL DEFAULT '',
  override_reason TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  UNIQUE (session_id, version)
);
CREATE TABLE IF NOT EXISTS addenda (
  id TEXT PRIMARY KEY,
  draft_id TEXT NOT NULL REFERENCES drafts(id),
  author TEXT NOT NULL,
  text TEXT NOT NULL,
  content_hash TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS providers (
  name TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  base_url TEXT NOT NULL,
  model TEXT NOT NULL,
  api_key_env TEXT NOT NULL DEFAULT '',
  use_for TEXT NOT NULL,
  self_hosted INTEGER NOT NULL DEFAULT 0,
  baa_signed TEXT NOT NULL DEFAULT '',
  baa_expires TEXT NOT NULL DEFAULT '',
  zero_retention INTEGER NOT NULL DEFAULT 0,
  part2_allowed INTEGER NOT NULL DEFAULT 0,
  context_tokens INTEGER NOT NULL DEFAULT 0,
  json_schema INTEGER NOT NULL DEFAULT 1,
  azure_api_version TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit (
  seq BIGINT PRIMARY KEY,
  at BIGINT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  entity_type TEXT NOT NULL,
  entity_id TEXT NOT NULL,
  outcome TEXT NOT NULL,
  details TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS consents (
  id TEXT PRIMARY KEY,
  session_id TEXT NOT NULL DEFAULT '',
  client_alias TEXT NOT NULL DEFAULT '',
  scope TEXT NOT NULL,
  granted INTEGER NOT NULL,
  method TEXT NOT NULL,
  captured_by TEXT NOT NULL,
  text_version TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL DEFAULT 0,
  revoked_at BIGINT NOT NULL DEFAULT 0,
  revoked_by TEXT NOT NULL DEFAULT '',
  revoke_method TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS join_tokens (
  token_hash TEXT PRIMARY KEY,
  session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  role TEXT NOT NULL,
  label TEXT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS attendance (
  session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  participant TEXT NOT NULL,
  role TEXT NOT NULL,
  event TEXT NOT NULL,
  at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS templates (
  id TEXT NOT NULL,
  version TEXT NOT NULL,
  content TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (id, version)
);
CREATE INDEX IF NOT EXISTS chunks_session ON chunks(session_id);
CREATE INDEX IF NOT EXISTS drafts_session ON drafts(session_id);
CREATE INDEX IF NOT EXISTS consents_session ON consents(session_id);
