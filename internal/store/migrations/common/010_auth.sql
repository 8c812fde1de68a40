-- 010: credentials beyond the password (issue 12).
-- The second factor's failure count, back-off and lock belong to the
-- account, apart from the password's, so signing in with the password
-- again neither resets nor lifts them.
CREATE TABLE IF NOT EXISTS mfa_state (
  user_id TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  failures INTEGER NOT NULL DEFAULT 0,
  last_failure_at BIGINT NOT NULL DEFAULT 0,
  locked_until BIGINT NOT NULL DEFAULT 0,
  updated_at BIGINT NOT NULL
);
-- Single-use recovery codes, stored as SHA-256 of the user and the code.
CREATE TABLE IF NOT EXISTS recovery_codes (
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  code_hash TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  used_at BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (user_id, code_hash)
);
-- Personal API tokens (for the command line), stored as SHA-256.
CREATE TABLE IF NOT EXISTS api_tokens (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  created_at BIGINT NOT NULL,
  last_used_at BIGINT NOT NULL DEFAULT 0,
  revoked_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS api_tokens_user ON api_tokens(user_id);
