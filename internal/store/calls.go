package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// JoinToken grants one participant entry to one session's call until it
// expires. Only the SHA-256 of the token is stored.
type JoinToken struct {
	TokenHash string
	SessionID string
	Role      string // clinician | client | participant
	Label     string // speaker label: "clinician", "client", "participant 2"
	ExpiresAt int64
}

// AddJoinToken stores a join token's hash.
func (tx *Tx) AddJoinToken(ctx context.Context, t JoinToken) error {
	_, err := tx.q.exec(ctx, `INSERT INTO join_tokens (token_hash, session_id, role, label, expires_at) VALUES ($1,$2,$3,$4,$5)`, t.TokenHash, t.SessionID, t.Role, t.Label, t.ExpiresAt)
	return err
}

// RevokeJoinTokens deletes the session's join tokens of one speaker label
// (a renewed link replaces the old one); it returns how many it deleted.
func (tx *Tx) RevokeJoinTokens(ctx context.Context, sessionID, label string) (int64, error) {
	return tx.q.exec(ctx, `DELETE FROM join_tokens WHERE session_id = $1 AND label = $2`, sessionID, label)
}

// SetJoinTokensExpiry moves the expiry of every join token of the session
// (a rescheduled appointment's links follow its window).
func (tx *Tx) SetJoinTokensExpiry(ctx context.Context, sessionID string, expiresAt int64) error {
	_, err := tx.q.exec(ctx, `UPDATE join_tokens SET expires_at = $2 WHERE session_id = $1`, sessionID, expiresAt)
	return err
}

// JoinTokenByHash finds a join token.
func (s *Store) JoinTokenByHash(ctx context.Context, hash string) (JoinToken, error) {
	var t JoinToken
	err := s.conn.queryRow(ctx, `SELECT token_hash, session_id, role, label, expires_at FROM join_tokens WHERE token_hash = $1`, hash).Scan(&t.TokenHash, &t.SessionID, &t.Role, &t.Label, &t.ExpiresAt)
	if err != nil {
		return t, fmt.Errorf("join token: %w", err)
	}
	return t, nil
}

// Attendance is one join or leave of a call participant.
type Attendance struct {
	SessionID   string `json:"-"`
	Participant string `json:"participant"`
	Role        string `json:"role"`
	Event       string `json:"event"` // join | leave
	At          int64  `json:"at"`
}

// AddAttendance records a join or leave.
func (tx *Tx) AddAttendance(ctx context.Context, a Attendance) error {
	_, err := tx.q.exec(ctx, `INSERT INTO attendance (session_id, participant, role, event, at) VALUES ($1,$2,$3,$4,$5)`, a.SessionID, a.Participant, a.Role, a.Event, a.At)
	return err
}

// AttendanceOf lists a session's joins and leaves in time order.
func (s *Store) AttendanceOf(ctx context.Context, sessionID string) ([]Attendance, error) {
	return collect(ctx, s.conn, func(r rows) (a Attendance, err error) {
		err = r.Scan(&a.SessionID, &a.Participant, &a.Role, &a.Event, &a.At)
		return a, err
	}, `SELECT session_id, participant, role, event, at FROM attendance WHERE session_id = $1 ORDER BY at`, sessionID)
}

// ClaimCall claims (or renews) a session's live call for relayID at now
// (ms). A claim held by another relay is taken over only when its last
// heartbeat is older than ttl. It reports whether relayID now holds it.
func (s *Store) ClaimCall(ctx context.Context, sessionID, relayID string, now int64, ttl time.Duration) (bool, error) {
	var holder string
	err := s.conn.queryRow(ctx, `INSERT INTO call_hosts (session_id, relay_id, heartbeat_at) VALUES ($1, $2, $3)
		ON CONFLICT (session_id) DO UPDATE SET relay_id = excluded.relay_id, heartbeat_at = excluded.heartbeat_at
		WHERE call_hosts.relay_id = excluded.relay_id OR call_hosts.heartbeat_at < $4
		RETURNING relay_id`, sessionID, relayID, now, now-ttl.Milliseconds()).Scan(&holder)
	if errors.Is(err, ErrNotFound) {
		return false, nil // held by another live relay: the update did not apply
	}
	if err != nil {
		return false, fmt.Errorf("claim call: %w", err)
	}
	return holder == relayID, nil
}

// ReleaseCall drops relayID's claim on a session's call.
func (s *Store) ReleaseCall(ctx context.Context, sessionID, relayID string) error {
	_, err := s.conn.exec(ctx, `DELETE FROM call_hosts WHERE session_id = $1 AND relay_id = $2`, sessionID, relayID)
	return err
}
