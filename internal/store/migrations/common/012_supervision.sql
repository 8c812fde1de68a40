-- 012: supervision. A clinician with a supervisor here is an associate:
-- their signature moves a note to awaiting_cosign (a draft status), and
-- the note is final only when that supervisor co-signs it. A supervisor
-- may instead return the note with a comment; the associate edits and
-- signs again. Both are kept for the record.
CREATE TABLE supervision (
    clinician TEXT PRIMARY KEY,
    supervisor TEXT NOT NULL,
    set_by TEXT NOT NULL,
    set_at BIGINT NOT NULL
);
CREATE INDEX supervision_supervisor ON supervision (supervisor);
CREATE TABLE cosignatures (
    draft_id TEXT PRIMARY KEY,
    supervisor TEXT NOT NULL,
    cosigned_at BIGINT NOT NULL,
    attestation TEXT NOT NULL,
    content_hash TEXT NOT NULL
);
CREATE TABLE draft_returns (
    id TEXT PRIMARY KEY,
    draft_id TEXT NOT NULL,
    supervisor TEXT NOT NULL,
    comment TEXT NOT NULL,
    associate_signed_at BIGINT NOT NULL,
    returned_at BIGINT NOT NULL
);
CREATE INDEX draft_returns_draft ON draft_returns (draft_id, returned_at);
