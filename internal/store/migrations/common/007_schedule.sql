-- 007: a call session's appointment and life. scheduled_at (ms) and
-- scheduled_duration_ms are the appointment window; expires_at is its end plus
-- the grace period: the join links stop opening the call then, and a session
-- nobody is recording is ended by the expiry sweep. clock_start_at is sample 0
-- of the session's recording timeline (its first recording), kept so that a
-- call opened again continues one timeline. end_reason says why a session
-- ended without a recording (cancelled, or its time passed).
ALTER TABLE sessions ADD COLUMN scheduled_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN scheduled_duration_ms BIGINT NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN expires_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN clock_start_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN end_reason TEXT NOT NULL DEFAULT '';
-- Call sessions scheduled before this migration had join links valid for 24
-- hours from their creation: that is their life.
UPDATE sessions SET expires_at = created_at + 86400000 WHERE source = 'call';
CREATE INDEX sessions_open_calls ON sessions (expires_at) WHERE source = 'call' AND capture_ended = 0;
