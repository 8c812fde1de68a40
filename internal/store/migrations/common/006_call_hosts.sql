-- 006: which relay (scribe process) hosts the live call of a session, renewed
-- while the call lasts; a claim not renewed for 30 s may be taken over.
CREATE TABLE call_hosts (
    session_id   TEXT PRIMARY KEY,
    relay_id     TEXT NOT NULL,
    heartbeat_at BIGINT NOT NULL
);
