-- 011: measurement-based care. One row per administration of a screening
-- questionnaire (PHQ-9, GAD-7, AUDIT-C) for a client: the answers (a JSON
-- array, one score per item), the total, whether its risk item was
-- positive (PHQ-9 item 9), who entered it (source 'client' through their
-- link, or 'clinician' with entered_by the user) and the session it was
-- given for ('' when none). Rows are never changed; a correction is a new
-- administration.
CREATE TABLE measures (
    id TEXT PRIMARY KEY,
    client_id TEXT NOT NULL,
    session_id TEXT NOT NULL DEFAULT '',
    instrument TEXT NOT NULL,
    answers TEXT NOT NULL,
    total INTEGER NOT NULL,
    risk INTEGER NOT NULL DEFAULT 0,
    source TEXT NOT NULL,
    entered_by TEXT NOT NULL DEFAULT '',
    administered_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX measures_client ON measures (client_id, administered_at);
CREATE INDEX measures_session ON measures (session_id) WHERE session_id <> '';
-- The questionnaires a clinician sends to the client's join link for a
-- session: the client answers them on the waiting page before the call.
CREATE TABLE measure_requests (
    session_id TEXT NOT NULL,
    instrument TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    requested_at BIGINT NOT NULL,
    PRIMARY KEY (session_id, instrument)
);
