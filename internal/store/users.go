package store

import (
	"context"
	"errors"
	"fmt"
	"github.com/scribe-health/scribe/internal/vocab"
	"strings"
)

// Roles a web user may hold.
const (
	RoleAdmin      = string(vocab.RoleAdmin)
	RoleClinician  = string(vocab.RoleClinician)
	RoleSupervisor = string(vocab.RoleSupervisor)
)

// ValidRole reports whether r is one of the roles above.
func ValidRole(r string) bool {
	return r == RoleAdmin || r == RoleClinician || r == RoleSupervisor
}

// ErrEmailTaken is returned when a user with the same e-mail exists.
var ErrEmailTaken = errors.New("a user with this e-mail already exists")

// User is a person who signs in to the web app. PasswordHash and
// TOTPSecret are opaque to the store (the web package hashes and seals them).
type User struct {
	ID           string `json:"id"`
	Email        string `json:"email"`
	Role         string `json:"role"`
	Part2Access  bool   `json:"part2_access"`
	PasswordHash string `json:"-"`
	TOTPSecret   string `json:"-"`
	TOTPEnabled  bool   `json:"totp_enabled"`
	TOTPLastStep int64  `json:"-"` // last accepted TOTP time step (no replay)
	FailedLogins int    `json:"failed_logins"`
	LockedUntil  int64  `json:"locked_until,omitempty"`
	Disabled     bool   `json:"disabled"`
	CreatedAt    int64  `json:"created_at"`
	UpdatedAt    int64  `json:"updated_at"`
}

const userCols = `id, email, role, part2_access, password_hash, totp_secret, totp_enabled, totp_last_step, failed_logins, locked_until, disabled, created_at, updated_at`

func scanUser(r interface{ Scan(...any) error }) (User, error) {
	var u User
	var p2, te, dis int
	err := r.Scan(&u.ID, &u.Email, &u.Role, &p2, &u.PasswordHash, &u.TOTPSecret, &te, &u.TOTPLastStep, &u.FailedLogins, &u.LockedUntil, &dis, &u.CreatedAt, &u.UpdatedAt)
	u.Part2Access, u.TOTPEnabled, u.Disabled = p2 != 0, te != 0, dis != 0
	return u, err
}

// NormalizeEmail is how e-mails are compared and stored.
func NormalizeEmail(e string) string { return strings.ToLower(strings.TrimSpace(e)) }

// CreateUser inserts a user; an e-mail already in use gives ErrEmailTaken.
func (tx *Tx) CreateUser(ctx context.Context, u *User) error {
	if !ValidRole(u.Role) {
		return fmt.Errorf("role must be admin, clinician or supervisor, not %q", u.Role)
	}
	u.Email = NormalizeEmail(u.Email)
	var n int
	if err := tx.q.queryRow(ctx, `SELECT COUNT(*) FROM users WHERE email = $1`, u.Email).Scan(&n); err != nil {
		return fmt.Errorf("create user: %w", err)
	}
	if n > 0 {
		return ErrEmailTaken
	}
	now := tx.s.nowMS()
	u.CreatedAt, u.UpdatedAt = now, now
	_, err := tx.q.exec(ctx, `INSERT INTO users (`+userCols+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)`,
		u.ID, u.Email, u.Role, b2i(u.Part2Access), u.PasswordHash, u.TOTPSecret, b2i(u.TOTPEnabled), u.TOTPLastStep, u.FailedLogins, u.LockedUntil, b2i(u.Disabled), u.CreatedAt, u.UpdatedAt)
	if err != nil {
		return fmt.Errorf("create user: %w", err)
	}
	return nil
}

// CountUsers returns how many users exist (zero means first run).
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := s.conn.queryRow(ctx, `SELECT COUNT(*) FROM users`).Scan(&n)
	return n, err
}

// CountUsers inside the transaction.
func (tx *Tx) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := tx.q.queryRow(ctx, `SELECT COUNT(*) FROM users`).Scan(&n)
	return n, err
}

// UserByEmail finds a user by e-mail (case-insensitive).
func (s *Store) UserByEmail(ctx context.Context, email string) (User, error) {
	u, err := scanUser(s.conn.queryRow(ctx, `SELECT `+userCols+` FROM users WHERE email = $1`, NormalizeEmail(email)))
	if err != nil {
		return u, fmt.Errorf("user: %w", err)
	}
	return u, nil
}

// User finds a user by ID.
func (s *Store) User(ctx context.Context, id string) (User, error) {
	u, err := scanUser(s.conn.queryRow(ctx, `SELECT `+userCols+` FROM users WHERE id = $1`, id))
	if err != nil {
		return u, fmt.Errorf("user %s: %w", id, err)
	}
	return u, nil
}

// Users lists every user by e-mail.
func (s *Store) Users(ctx context.Context) ([]User, error) {
	return collect(ctx, s.conn, func(r rows) (User, error) { return scanUser(r) }, `SELECT `+userCols+` FROM users ORDER BY email`)
}

// UpdateUser writes a user's mutable fields (role, access, secrets,
// lockout state, disabled).
func (tx *Tx) UpdateUser(ctx context.Context, u *User) error {
	if !ValidRole(u.Role) {
		return fmt.Errorf("role must be admin, clinician or supervisor, not %q", u.Role)
	}
	u.UpdatedAt = tx.s.nowMS()
	n, err := tx.q.exec(ctx, `UPDATE users SET role = $2, part2_access = $3, password_hash = $4, totp_secret = $5, totp_enabled = $6, totp_last_step = $7,
		failed_logins = $8, locked_until = $9, disabled = $10, updated_at = $11 WHERE id = $1`,
		u.ID, u.Role, b2i(u.Part2Access), u.PasswordHash, u.TOTPSecret, b2i(u.TOTPEnabled), u.TOTPLastStep, u.FailedLogins, u.LockedUntil, b2i(u.Disabled), u.UpdatedAt)
	if err != nil {
		return fmt.Errorf("update user: %w", err)
	}
	if n == 0 {
		return fmt.Errorf("user %s: %w", u.ID, ErrNotFound)
	}
	return nil
}

// User reads a user inside the transaction (locking the row on PostgreSQL).
func (tx *Tx) User(ctx context.Context, id string) (User, error) {
	q := `SELECT ` + userCols + ` FROM users WHERE id = $1`
	q += tx.s.dialect.forUpdate()
	u, err := scanUser(tx.q.queryRow(ctx, q, id))
	if err != nil {
		return u, fmt.Errorf("user %s: %w", id, err)
	}
	return u, nil
}

// ---- sign-in sessions ----

// LoginSession is one signed-in browser. Only the SHA-256 of the cookie
// value is stored.
type LoginSession struct {
	IDHash    string
	UserID    string
	CSRF      string
	MFADone   bool
	CreatedAt int64
	LastSeen  int64
}

// CreateLoginSession stores a new sign-in session.
func (tx *Tx) CreateLoginSession(ctx context.Context, ls *LoginSession) error {
	now := tx.s.nowMS()
	ls.CreatedAt, ls.LastSeen = now, now
	_, err := tx.q.exec(ctx, `INSERT INTO login_sessions (id_hash, user_id, csrf, mfa_done, created_at, last_seen) VALUES ($1,$2,$3,$4,$5,$6)`,
		ls.IDHash, ls.UserID, ls.CSRF, b2i(ls.MFADone), ls.CreatedAt, ls.LastSeen)
	if err != nil {
		return fmt.Errorf("create sign-in session: %w", err)
	}
	return nil
}

// LoginSession finds a sign-in session by the hash of its cookie.
func (s *Store) LoginSession(ctx context.Context, idHash string) (LoginSession, error) {
	var ls LoginSession
	var mfa int
	err := s.conn.queryRow(ctx, `SELECT id_hash, user_id, csrf, mfa_done, created_at, last_seen FROM login_sessions WHERE id_hash = $1`, idHash).
		Scan(&ls.IDHash, &ls.UserID, &ls.CSRF, &mfa, &ls.CreatedAt, &ls.LastSeen)
	ls.MFADone = mfa != 0
	if err != nil {
		return ls, fmt.Errorf("sign-in session: %w", err)
	}
	return ls, nil
}

// TouchLoginSession records activity (the idle clock restarts).
func (s *Store) TouchLoginSession(ctx context.Context, idHash string, atMS int64) error {
	_, err := s.conn.exec(ctx, `UPDATE login_sessions SET last_seen = $2 WHERE id_hash = $1`, idHash, atMS)
	return err
}

// CompleteMFA marks a sign-in session's second factor done.
func (tx *Tx) CompleteMFA(ctx context.Context, idHash string) error {
	_, err := tx.q.exec(ctx, `UPDATE login_sessions SET mfa_done = 1, last_seen = $2 WHERE id_hash = $1`, idHash, tx.s.nowMS())
	return err
}

// DeleteLoginSession signs one browser out.
func (s *Store) DeleteLoginSession(ctx context.Context, idHash string) error {
	_, err := s.conn.exec(ctx, `DELETE FROM login_sessions WHERE id_hash = $1`, idHash)
	return err
}

// DeleteUserLoginSessions signs a user out everywhere (disable, role change).
func (tx *Tx) DeleteUserLoginSessions(ctx context.Context, userID string) error {
	_, err := tx.q.exec(ctx, `DELETE FROM login_sessions WHERE user_id = $1`, userID)
	return err
}

// ---- settings ----

// Setting reads a setting; a missing key gives def.
func (s *Store) Setting(ctx context.Context, key, def string) (string, error) {
	var v string
	err := s.conn.queryRow(ctx, `SELECT value FROM settings WHERE key = $1`, key).Scan(&v)
	if errors.Is(err, ErrNotFound) {
		return def, nil
	}
	if err != nil {
		return def, fmt.Errorf("setting %s: %w", key, err)
	}
	return v, nil
}

// PutSetting writes a setting.
func (tx *Tx) PutSetting(ctx context.Context, key, value string) error {
	_, err := tx.q.exec(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ($1,$2,$3)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, key, value, tx.s.nowMS())
	if err != nil {
		return fmt.Errorf("setting %s: %w", key, err)
	}
	return nil
}

// DeleteSetting removes a setting (a used one-time token).
func (tx *Tx) DeleteSetting(ctx context.Context, key string) (bool, error) {
	n, err := tx.q.exec(ctx, `DELETE FROM settings WHERE key = $1`, key)
	return n > 0, err
}

// ---- sessions seen by one clinician ----

// ListSessionsFor lists sessions newest first, filtered by clinician
// (empty: all), status (empty: all) and whether Part 2 sessions may appear.
func (s *Store) ListSessionsFor(ctx context.Context, clinician, status string, part2 bool, limit int) ([]Session, error) {
	if limit <= 0 {
		limit = 100
	}
	return collect(ctx, s.conn, func(r rows) (Session, error) { return scanSession(r) },
		`SELECT `+sessionCols+` FROM sessions WHERE ($1 = '' OR LOWER(clinician) = $1) AND ($2 = '' OR status = $2) AND ($3 = 1 OR program <> 'sud')
		ORDER BY created_at DESC, id LIMIT $4`, NormalizeEmail(clinician), status, b2i(part2), limit)
}

// Setting reads a setting inside the transaction; a missing key gives def.
func (tx *Tx) Setting(ctx context.Context, key, def string) (string, error) {
	var v string
	err := tx.q.queryRow(ctx, `SELECT value FROM settings WHERE key = $1`, key).Scan(&v)
	if errors.Is(err, ErrNotFound) {
		return def, nil
	}
	if err != nil {
		return def, fmt.Errorf("setting %s: %w", key, err)
	}
	return v, nil
}
