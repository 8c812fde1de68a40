package store

import (
	"context"
	"errors"
	"fmt"
)

// ---- second-factor state (migration 010) ----

// MFAState is an account's second-factor failure record: it is kept apart
// from the password's so that the password step neither resets nor lifts it.
type MFAState struct {
	UserID        string
	Failures      int   // failed codes since the last accepted one
	LastFailureAt int64 // unix ms of the last failure (back-off runs from here)
	LockedUntil   int64 // unix ms; 0 when not locked
}

const mfaCols = `user_id, failures, last_failure_at, locked_until`

func scanMFA(r interface{ Scan(...any) error }) (MFAState, error) {
	var m MFAState
	err := r.Scan(&m.UserID, &m.Failures, &m.LastFailureAt, &m.LockedUntil)
	return m, err
}

// MFAState reads an account's second-factor state (zero when it never failed).
func (s *Store) MFAState(ctx context.Context, userID string) (MFAState, error) {
	m, err := scanMFA(s.conn.queryRow(ctx, `SELECT `+mfaCols+` FROM mfa_state WHERE user_id = $1`, userID))
	if errors.Is(err, ErrNotFound) {
		return MFAState{UserID: userID}, nil
	}
	if err != nil {
		return m, fmt.Errorf("second-factor state: %w", err)
	}
	return m, nil
}

// MFAState reads the state inside the transaction, locking the row on
// PostgreSQL so that concurrent failures are all counted.
func (tx *Tx) MFAState(ctx context.Context, userID string) (MFAState, error) {
	q := `SELECT ` + mfaCols + ` FROM mfa_state WHERE user_id = $1`
	q += tx.s.dialect.forUpdate()
	m, err := scanMFA(tx.q.queryRow(ctx, q, userID))
	if errors.Is(err, ErrNotFound) {
		return MFAState{UserID: userID}, nil
	}
	if err != nil {
		return m, fmt.Errorf("second-factor state: %w", err)
	}
	return m, nil
}

// PutMFAState writes an account's second-factor state.
func (tx *Tx) PutMFAState(ctx context.Context, m MFAState) error {
	_, err := tx.q.exec(ctx, `INSERT INTO mfa_state (`+mfaCols+`, updated_at) VALUES ($1,$2,$3,$4,$5)
		ON CONFLICT (user_id) DO UPDATE SET failures = excluded.failures, last_failure_at = excluded.last_failure_at,
		locked_until = excluded.locked_until, updated_at = excluded.updated_at`,
		m.UserID, m.Failures, m.LastFailureAt, m.LockedUntil, tx.s.nowMS())
	if err != nil {
		return fmt.Errorf("write second-factor state: %w", err)
	}
	return nil
}

// MFAStates lists every account's second-factor state by user ID (the
// admin users page).
func (s *Store) MFAStates(ctx context.Context) (map[string]MFAState, error) {
	list, err := collect(ctx, s.conn, func(r rows) (MFAState, error) { return scanMFA(r) }, `SELECT `+mfaCols+` FROM mfa_state`)
	if err != nil {
		return nil, err
	}
	out := make(map[string]MFAState, len(list))
	for _, m := range list {
		out[m.UserID] = m
	}
	return out, nil
}

// ---- recovery codes ----

// ReplaceRecoveryCodes retires every recovery code of a user and stores
// the hashes of new ones.
func (tx *Tx) ReplaceRecoveryCodes(ctx context.Context, userID string, hashes []string) error {
	if err := tx.DeleteRecoveryCodes(ctx, userID); err != nil {
		return err
	}
	now := tx.s.nowMS()
	for _, h := range hashes {
		if _, err := tx.q.exec(ctx, `INSERT INTO recovery_codes (user_id, code_hash, created_at) VALUES ($1,$2,$3)`, userID, h, now); err != nil {
			return fmt.Errorf("store recovery code: %w", err)
		}
	}
	return nil
}

// DeleteRecoveryCodes removes a user's recovery codes (two-step reset).
func (tx *Tx) DeleteRecoveryCodes(ctx context.Context, userID string) error {
	if _, err := tx.q.exec(ctx, `DELETE FROM recovery_codes WHERE user_id = $1`, userID); err != nil {
		return fmt.Errorf("delete recovery codes: %w", err)
	}
	return nil
}

// UseRecoveryCode marks an unused code used; false when there is no such
// unused code.
func (tx *Tx) UseRecoveryCode(ctx context.Context, userID, hash string) (bool, error) {
	n, err := tx.q.exec(ctx, `UPDATE recovery_codes SET used_at = $3 WHERE user_id = $1 AND code_hash = $2 AND used_at = 0`, userID, hash, tx.s.nowMS())
	if err != nil {
		return false, fmt.Errorf("use recovery code: %w", err)
	}
	return n > 0, nil
}

// RecoveryCodesLeft counts a user's unused recovery codes.
func (s *Store) RecoveryCodesLeft(ctx context.Context, userID string) (int, error) {
	var n int
	err := s.conn.queryRow(ctx, `SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at = 0`, userID).Scan(&n)
	return n, err
}

// RecoveryCodesLeft inside the transaction.
func (tx *Tx) RecoveryCodesLeft(ctx context.Context, userID string) (int, error) {
	var n int
	err := tx.q.queryRow(ctx, `SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at = 0`, userID).Scan(&n)
	return n, err
}

// ---- personal API tokens ----

// APIToken is a personal token with which the command line acts for a
// user. Only the SHA-256 of the token is stored.
type APIToken struct {
	ID         string `json:"id"`
	UserID     string `json:"user_id"`
	Name       string `json:"name"`
	CreatedAt  int64  `json:"created_at"`
	LastUsedAt int64  `json:"last_used_at,omitempty"`
	RevokedAt  int64  `json:"revoked_at,omitempty"`
}

// #nosec G101 -- column names of the tokens table; the token hash is not among them
const tokenCols = `id, user_id, name, created_at, last_used_at, revoked_at`

func scanToken(r interface{ Scan(...any) error }) (APIToken, error) {
	var t APIToken
	err := r.Scan(&t.ID, &t.UserID, &t.Name, &t.CreatedAt, &t.LastUsedAt, &t.RevokedAt)
	return t, err
}

// CreateAPIToken stores a token by the hash of its value.
func (tx *Tx) CreateAPIToken(ctx context.Context, t *APIToken, hash string) error {
	t.CreatedAt = tx.s.nowMS()
	_, err := tx.q.exec(ctx, `INSERT INTO api_tokens (id, user_id, name, token_hash, created_at) VALUES ($1,$2,$3,$4,$5)`, t.ID, t.UserID, t.Name, hash, t.CreatedAt)
	if err != nil {
		return fmt.Errorf("store API token: %w", err)
	}
	return nil
}

// APITokens lists a user's tokens, newest first (revoked ones too).
func (s *Store) APITokens(ctx context.Context, userID string) ([]APIToken, error) {
	return collect(ctx, s.conn, func(r rows) (APIToken, error) { return scanToken(r) },
		`SELECT `+tokenCols+` FROM api_tokens WHERE user_id = $1 ORDER BY created_at DESC, id`, userID)
}

// APITokenByHash finds a token by the hash of its value.
func (s *Store) APITokenByHash(ctx context.Context, hash string) (APIToken, error) {
	t, err := scanToken(s.conn.queryRow(ctx, `SELECT `+tokenCols+` FROM api_tokens WHERE token_hash = $1`, hash))
	if err != nil {
		return t, fmt.Errorf("API token: %w", err)
	}
	return t, nil
}

// RevokeAPIToken revokes one of a user's tokens; false when the user has
// no such live token.
func (tx *Tx) RevokeAPIToken(ctx context.Context, userID, id string) (bool, error) {
	n, err := tx.q.exec(ctx, `UPDATE api_tokens SET revoked_at = $3 WHERE id = $1 AND user_id = $2 AND revoked_at = 0`, id, userID, tx.s.nowMS())
	if err != nil {
		return false, fmt.Errorf("revoke API token: %w", err)
	}
	return n > 0, nil
}

// TouchAPIToken records that a token was used.
func (tx *Tx) TouchAPIToken(ctx context.Context, id string) error {
	_, err := tx.q.exec(ctx, `UPDATE api_tokens SET last_used_at = $2 WHERE id = $1`, id, tx.s.nowMS())
	return err
}

// ---- sign-in session rotation ----

// RotateLoginSession gives a sign-in session a new ID (the hash of a new
// cookie value) and CSRF token, and records whether its second factor is
// done; the old ID stops working.
func (tx *Tx) RotateLoginSession(ctx context.Context, oldHash, newHash, csrf string, mfaDone bool) error {
	n, err := tx.q.exec(ctx, `UPDATE login_sessions SET id_hash = $2, csrf = $3, mfa_done = $4, last_seen = $5 WHERE id_hash = $1`,
		oldHash, newHash, csrf, b2i(mfaDone), tx.s.nowMS())
	if err != nil {
		return fmt.Errorf("rotate sign-in session: %w", err)
	}
	if n == 0 {
		return fmt.Errorf("sign-in session: %w", ErrNotFound)
	}
	return nil
}

// DeleteLoginSession signs one browser out inside the transaction.
func (tx *Tx) DeleteLoginSession(ctx context.Context, idHash string) error {
	_, err := tx.q.exec(ctx, `DELETE FROM login_sessions WHERE id_hash = $1`, idHash)
	return err
}
