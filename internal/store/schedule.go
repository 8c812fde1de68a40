package store

import (
	"context"
	"fmt"
	"time"
)

// ScheduleGrace is how long after its appointment window a call session
// stays open: its join links keep working and a participant can still start
// the call. After it, a session nobody is recording is ended by the expiry
// sweep (internal/pipeline).
const ScheduleGrace = 30 * time.Minute

// Book sets the session's appointment window: from start, lasting d; its
// join links and the session itself expire ScheduleGrace after the window.
func (s *Session) Book(start time.Time, d time.Duration) {
	s.ScheduledAt = start.UnixMilli()
	s.ScheduledDurationMS = d.Milliseconds()
	s.ExpiresAt = start.Add(d + ScheduleGrace).UnixMilli()
}

// Window returns the appointment window; ok is false for a session that
// has none (an upload, or a call scheduled before appointments existed).
func (s Session) Window() (start, end time.Time, ok bool) {
	if s.ScheduledAt == 0 {
		return time.Time{}, time.Time{}, false
	}
	start = time.UnixMilli(s.ScheduledAt)
	return start, start.Add(time.Duration(s.ScheduledDurationMS) * time.Millisecond), true
}

// Open reports whether the session's capture can still happen: a call
// session that has not ended (by its clinician, an admin, or its expiry).
func (s Session) Open() bool {
	return s.Source == "call" && !s.CaptureEnded &&
		(s.Status == StatusScheduled || s.Status == StatusInCall || s.Status == StatusRecording)
}

// StartClock returns sample 0 of the session's recording timeline (unix
// ms), setting it to now if the session has none yet: its first recording
// starts the clock, and every later call of the session continues it.
func (tx *Tx) StartClock(ctx context.Context, sessionID string, now int64) (int64, error) {
	if _, err := tx.q.exec(ctx, `UPDATE sessions SET clock_start_at = $2 WHERE id = $1 AND clock_start_at = 0`, sessionID, now); err != nil {
		return 0, fmt.Errorf("start the session clock: %w", err)
	}
	var at int64
	if err := tx.q.queryRow(ctx, `SELECT clock_start_at FROM sessions WHERE id = $1`, sessionID).Scan(&at); err != nil {
		return 0, fmt.Errorf("session %s clock: %w", sessionID, err)
	}
	return at, nil
}

// NextChunkIndexes returns, for each speaker who has stored chunks in the
// session, the index the speaker's next chunk takes.
func (tx *Tx) NextChunkIndexes(ctx context.Context, sessionID string) (map[string]int, error) {
	type next struct {
		speaker string
		index   int
	}
	list, err := collect(ctx, tx.q, func(r rows) (n next, err error) {
		err = r.Scan(&n.speaker, &n.index)
		return n, err
	}, `SELECT speaker, MAX(idx) + 1 FROM chunks WHERE session_id = $1 GROUP BY speaker`, sessionID)
	if err != nil {
		return nil, fmt.Errorf("chunk indexes of session %s: %w", sessionID, err)
	}
	out := make(map[string]int, len(list))
	for _, n := range list {
		out[n.speaker] = n.index
	}
	return out, nil
}

// SetEndReason records why a session ended without a recording.
func (tx *Tx) SetEndReason(ctx context.Context, sessionID, reason string) error {
	_, err := tx.q.exec(ctx, `UPDATE sessions SET end_reason = $2, updated_at = $3 WHERE id = $1`, sessionID, reason, tx.s.nowMS())
	return err
}

// ExpiredCallSessions lists (up to limit) the IDs of open call sessions
// whose life ended at or before now (unix ms) and whose call is not live: no
// relay has renewed a claim on it since liveSince. Room sessions that never
// started recording are listed too (one that has pieces waits for its
// clinician's Stop: the pieces still on the device would be lost).
func (s *Store) ExpiredCallSessions(ctx context.Context, now, liveSince int64, limit int) ([]string, error) {
	return collect(ctx, s.conn, func(r rows) (id string, err error) {
		err = r.Scan(&id)
		return id, err
	}, `SELECT s.id FROM sessions s
		WHERE (s.source = 'call' OR (s.source = 'room' AND s.status = 'scheduled')) AND s.capture_ended = 0 AND s.expires_at > 0 AND s.expires_at <= $1
		AND s.status IN ('scheduled', 'in_call', 'recording')
		AND NOT EXISTS (SELECT 1 FROM call_hosts h WHERE h.session_id = s.id AND h.heartbeat_at >= $2)
		ORDER BY s.expires_at, s.id LIMIT $3`, now, liveSince, limit)
}

// CallLive reports whether a relay has renewed its claim on the session's
// call since liveSince (unix ms): the call is going on somewhere.
func (s *Store) CallLive(ctx context.Context, sessionID string, liveSince int64) (bool, error) {
	var n int
	err := s.conn.queryRow(ctx, `SELECT COUNT(*) FROM call_hosts WHERE session_id = $1 AND heartbeat_at >= $2`, sessionID, liveSince).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("call of session %s: %w", sessionID, err)
	}
	return n > 0, nil
}

// RescheduleSession moves a session's appointment window (Book's fields)
// and the expiry of its join links with it: they stay valid and follow the
// window. The caller checks that the session has not started.
func (tx *Tx) RescheduleSession(ctx context.Context, sess Session) error {
	if _, err := tx.q.exec(ctx, `UPDATE sessions SET scheduled_at = $2, scheduled_duration_ms = $3, expires_at = $4, updated_at = $5 WHERE id = $1`,
		sess.ID, sess.ScheduledAt, sess.ScheduledDurationMS, sess.ExpiresAt, tx.s.nowMS()); err != nil {
		return err
	}
	return tx.SetJoinTokensExpiry(ctx, sess.ID, sess.ExpiresAt)
}

// AttachRecording turns a booked call session into an upload: its
// recording came as a file (source SourceIngest, or SourceDictation for the
// clinician's dictated recap; capture ended, transcribing), with the
// attesting principal's e-mail when given. A room session's assembled
// recording keeps its source, room. The caller checks in the same
// transaction that the session is booked and has no audio.
func (tx *Tx) AttachRecording(ctx context.Context, id, source string, durationMS int64, consentAttestedBy string) error {
	if source != SourceIngest && source != SourceDictation {
		return fmt.Errorf("attach a recording as %q: not an upload source", source)
	}
	_, err := tx.q.exec(ctx, `UPDATE sessions SET source = CASE WHEN source = 'room' THEN 'room' ELSE $6 END, status = $2, capture_ended = 1, duration_ms = $3,
		consent_attested_by = CASE WHEN $4 = '' THEN consent_attested_by ELSE $4 END, updated_at = $5 WHERE id = $1`,
		id, StatusTranscribing, durationMS, consentAttestedBy, tx.s.nowMS(), source)
	return err
}
