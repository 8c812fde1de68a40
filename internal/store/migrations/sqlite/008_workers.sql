-- 008: one row per River client (a process that works jobs), written every
-- few seconds; a running job whose client stopped writing it is taken back
-- (internal/store/heartbeats.go). instance is the host's boot ID and PID
-- namespace, so that a process can tell a neighbour's exit by its PID.
CREATE TABLE worker_heartbeats (
    client_id  TEXT PRIMARY KEY,
    host       TEXT NOT NULL,
    pid        INTEGER NOT NULL,
    instance   TEXT NOT NULL DEFAULT '',
    started_at INTEGER NOT NULL,
    beat_at    INTEGER NOT NULL
);
