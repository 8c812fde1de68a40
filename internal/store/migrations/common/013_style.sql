-- 013: style learning (issue 15).
-- A clinician's preferences for the notes drafted for them; the phrases
-- to avoid are a JSON array of strings; use_examples (0/1) lets the
-- drafting show the model their own recent signed notes as examples.
CREATE TABLE IF NOT EXISTS clinician_styles (
  user_id TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  note_length TEXT NOT NULL DEFAULT '',
  person TEXT NOT NULL DEFAULT '',
  headings TEXT NOT NULL DEFAULT '',
  avoid TEXT NOT NULL DEFAULT '[]',
  use_examples INTEGER NOT NULL DEFAULT 0,
  updated_at BIGINT NOT NULL
);
-- How much of the AI draft the clinician changed before signing, one row
-- per signed draft: word counts only, never text. user_id is the signer
-- (empty when the note was signed by the host operator).
CREATE TABLE IF NOT EXISTS note_edit_measures (
  draft_id TEXT PRIMARY KEY REFERENCES drafts(id) ON DELETE CASCADE,
  session_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  drafted_words INTEGER NOT NULL,
  signed_words INTEGER NOT NULL,
  changed_words INTEGER NOT NULL,
  signed_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS note_edit_measures_user ON note_edit_measures(user_id, signed_at);
