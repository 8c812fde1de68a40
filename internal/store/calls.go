package store

import (
	"context"
	"fmt"
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
