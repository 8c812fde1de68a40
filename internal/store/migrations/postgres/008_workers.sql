-- 008: one row per River client (a process that works jobs), written every
-- few seconds; a running job whose client stopped writing it is taken back
-- (internal/store/heartbeats.go). instance is the host's boot ID and PID
-- namespace, so that a process can tell a neighbour's exit by its PID.
CREATE TABLE worker_heartbeats (
    client_id  TEXT PRIMARY KEY,
    host       TEXT NOT NULL,
    pid        INTEGER NOT NULL,
    instance   TEXT NOT NULL DEFAULT '',
    started_at BIGINT NOT NULL,
    beat_at    BIGINT NOT NULL
);
-- The reconciler and Retry look up a session's jobs by their arguments.
CREATE INDEX IF NOT EXISTS river_job_session_id ON river_job ((args->>'session_id'));
