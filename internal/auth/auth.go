// Package auth owns a person's credentials and what checking them records:
// the password (argon2id), the TOTP second factor with its single-use
// recovery codes, the failure counters, back-off and locks of each factor
// (kept in the database, apart, so that the password step never resets the
// second factor's), and personal API tokens with which the command line acts
// for a user. The web app and the command line both call it, so a
// credential means the same thing wherever it is presented.
//
// It does not own sign-in sessions, cookies or pages (internal/web) or who
// may do what with a record (the callers' access rules).
package auth

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/store"
)

// SettingTOTPRoles is the setting that lists the roles, beside admin, that
// must use a second factor.
const SettingTOTPRoles = "totp_required_roles"

// Sealer encrypts small secrets at rest (blob.Dir and blob.Table do, under
// the key-encryption key).
type Sealer interface {
	Seal(id string, plaintext []byte) ([]byte, error)
	Open(id string, sealed []byte) ([]byte, error)
}

// Service checks credentials against the store.
type Service struct {
	Store  *store.Store
	Sealer Sealer
	Now    func() time.Time
	// LockoutAfter failures of one factor lock it (default 5). The password
	// lock lasts LockoutFor (default 15 minutes); each further lock of the
	// second factor, without an accepted code between, lasts twice the one
	// before, up to a day.
	LockoutAfter int
	LockoutFor   time.Duration
}

// Errors the callers turn into words for their reader.
var (
	// ErrBadCredentials is the one answer to a wrong password, an unknown
	// e-mail, a disabled account and a locked one, so that the answer does
	// not tell which accounts exist or are locked.
	ErrBadCredentials = errors.New("the e-mail or password is not right")
	// ErrWrongCode is a TOTP or recovery code that is not right (or was
	// already used).
	ErrWrongCode = errors.New("that code is not right, or was already used")
	// ErrNoSecondFactor: the account has no second factor to check.
	ErrNoSecondFactor = errors.New("this account has no two-step sign-in set up")
	// ErrBadToken is an API token that is unknown, revoked, or whose
	// account is disabled.
	ErrBadToken = errors.New("the API token is not valid (unknown or revoked); create a new one on your account page in the web app")
)

// WaitError says the second factor is paused: after a wrong code (back-off)
// or after too many (locked). No code is checked until Until.
type WaitError struct {
	Until  time.Time
	Locked bool
	Wrong  bool // the code just entered was wrong (and caused the pause)
}

func (e *WaitError) Error() string {
	if e.Locked {
		return "two-step sign-in for this account is paused after too many wrong codes until " + e.Until.UTC().Format("15:04 MST") + "; an admin can unlock it sooner"
	}
	return "wait a few seconds before entering another code"
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) lockoutAfter() int {
	if s.LockoutAfter > 0 {
		return s.LockoutAfter
	}
	return 5
}

func (s *Service) lockoutFor() time.Duration {
	if s.LockoutFor > 0 {
		return s.LockoutFor
	}
	return 15 * time.Minute
}

// SecondFactorRequired says whether a user must have a second factor:
// admins always, other roles as the site's policy says.
func (s *Service) SecondFactorRequired(ctx context.Context, u store.User) bool {
	if u.Role == store.RoleAdmin {
		return true
	}
	v, err := s.Store.Setting(ctx, SettingTOTPRoles, store.RoleAdmin)
	if err != nil {
		return true // fail closed
	}
	for _, r := range strings.Split(v, ",") {
		if strings.TrimSpace(r) == u.Role {
			return true
		}
	}
	return false
}

// ---- the password ----

// CheckPassword finds the account of an e-mail and checks its password.
// Every refusal is ErrBadCredentials and takes as long as the others.
func (s *Service) CheckPassword(ctx context.Context, email, pw string) (store.User, error) {
	u, err := s.Store.UserByEmail(ctx, email)
	if err != nil {
		VerifyPassword(dummyHash, pw)
		return store.User{}, ErrBadCredentials
	}
	return u, s.CheckPasswordOf(ctx, u, pw)
}

// CheckPasswordOf checks the password of a known account (signing a note,
// regenerating recovery codes): failures count toward the password lock,
// and a locked account is refused even with the right password.
func (s *Service) CheckPasswordOf(ctx context.Context, u store.User, pw string) error {
	now := s.now()
	if u.LockedUntil > now.UnixMilli() {
		VerifyPassword(dummyHash, pw)
		s.audit(ctx, audit.Event{Actor: u.ID, AgentRole: u.Role, Action: "auth.login_refused", EntityType: "user", EntityID: u.ID, Outcome: "denied",
			Details: map[string]string{"reason": "password locked", "locked_until": strconv.FormatInt(u.LockedUntil, 10)}})
		return ErrBadCredentials
	}
	hash := u.PasswordHash
	if u.Disabled || hash == "" {
		hash = dummyHash // as long as a real check, and never a match
	}
	if !VerifyPassword(hash, pw) || hash == dummyHash {
		s.passwordFailed(ctx, u.ID)
		return ErrBadCredentials
	}
	if u.FailedLogins != 0 || u.LockedUntil != 0 {
		err := s.Store.InTx(ctx, func(tx *store.Tx) error {
			cur, err := tx.User(ctx, u.ID)
			if err != nil {
				return err
			}
			cur.FailedLogins, cur.LockedUntil = 0, 0
			return tx.UpdateUser(ctx, &cur)
		})
		if err != nil {
			return fmt.Errorf("reset the password's failure count: %w", err)
		}
	}
	return nil
}

// passwordFailed counts a wrong password and locks the account at the limit.
func (s *Service) passwordFailed(ctx context.Context, userID string) {
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		u, err := tx.User(ctx, userID)
		if err != nil {
			return err
		}
		u.FailedLogins++
		details := map[string]string{"factor": "password", "failures": strconv.Itoa(u.FailedLogins)}
		action := "auth.login_failed"
		if u.FailedLogins >= s.lockoutAfter() {
			u.LockedUntil = s.now().Add(s.lockoutFor()).UnixMilli()
			u.FailedLogins = 0
			action = "auth.lockout"
			details["locked_until"] = strconv.FormatInt(u.LockedUntil, 10)
		}
		if err := tx.UpdateUser(ctx, &u); err != nil {
			return err
		}
		return tx.Audit(ctx, audit.Event{Actor: userID, AgentRole: u.Role, Action: action, EntityType: "user", EntityID: userID, Outcome: "failure", Details: details})
	})
	if err != nil {
		s.Store.Logger().Error("auth: record a failed password", "user", userID, "error", err)
	}
}

// ---- the second factor ----

// backoff is how long after the n-th failure in a row the next code waits.
func backoff(n int) time.Duration {
	if n <= 0 {
		return 0
	}
	if n > 7 {
		return time.Minute
	}
	return time.Duration(1<<(n-1)) * time.Second
}

// lockFor is the length of the k-th lock in a row (k ≥ 1).
func (s *Service) lockFor(k int) time.Duration {
	d := s.lockoutFor()
	for i := 1; i < k && d < 24*time.Hour; i++ {
		d *= 2
	}
	return min(d, 24*time.Hour)
}

// pause reports when the second factor may next be tried, if not now.
func (s *Service) pause(m store.MFAState, now time.Time) *WaitError {
	if m.LockedUntil > now.UnixMilli() {
		return &WaitError{Until: time.UnixMilli(m.LockedUntil), Locked: true}
	}
	if next := time.UnixMilli(m.LastFailureAt).Add(backoff(m.Failures)); m.Failures > 0 && now.Before(next) {
		return &WaitError{Until: next}
	}
	return nil
}

// MFAPause reports whether the account's second factor is paused now (for
// pages that want to say so before a code is entered).
func (s *Service) MFAPause(ctx context.Context, userID string) (*WaitError, error) {
	m, err := s.Store.MFAState(ctx, userID)
	if err != nil {
		return nil, err
	}
	return s.pause(m, s.now()), nil
}

// CheckSecondFactor checks a TOTP code or an unused recovery code of u.
// While the factor is paused it checks nothing and returns a *WaitError; a
// wrong code returns ErrWrongCode (or a *WaitError with Wrong set when it
// locks the factor) and is counted whatever the caller does next. When the
// code is right, then runs in the same transaction (the caller completes
// its sign-in there), and the failure count is cleared.
func (s *Service) CheckSecondFactor(ctx context.Context, u store.User, code string, via string, then func(tx *store.Tx) error) error {
	if !u.TOTPEnabled {
		return ErrNoSecondFactor
	}
	secret, err := s.openSecret(u)
	if err != nil {
		return fmt.Errorf("open the authenticator secret: %w", err)
	}
	var result error
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		now := s.now()
		cur, err := tx.User(ctx, u.ID)
		if err != nil {
			return err
		}
		m, err := tx.MFAState(ctx, u.ID)
		if err != nil {
			return err
		}
		if w := s.pause(m, now); w != nil {
			result = w
			return nil
		}
		ok, action := false, "auth.totp"
		details := map[string]string{"via": via}
		switch {
		case isTOTPCode(code):
			var step int64
			if step, ok = checkTOTP(secret, code, now, cur.TOTPLastStep); ok {
				cur.TOTPLastStep = step
				if err := tx.UpdateUser(ctx, &cur); err != nil {
					return err
				}
			}
		case isRecoveryCode(code):
			if ok, err = tx.UseRecoveryCode(ctx, u.ID, recoveryHash(u.ID, code)); err != nil {
				return err
			}
			if ok {
				action = "auth.recovery_code_used"
				left, err := tx.RecoveryCodesLeft(ctx, u.ID)
				if err != nil {
					return err
				}
				details["left"] = strconv.Itoa(left)
			}
		}
		if !ok {
			m.Failures++
			m.LastFailureAt = now.UnixMilli()
			action := "auth.login_failed"
			details := map[string]string{"factor": "second", "failures": strconv.Itoa(m.Failures), "via": via}
			result = ErrWrongCode
			if m.Failures%s.lockoutAfter() == 0 {
				m.LockedUntil = now.Add(s.lockFor(m.Failures / s.lockoutAfter())).UnixMilli()
				action = "auth.mfa_lockout"
				details["locked_until"] = strconv.FormatInt(m.LockedUntil, 10)
				result = &WaitError{Until: time.UnixMilli(m.LockedUntil), Locked: true, Wrong: true}
			}
			if err := tx.PutMFAState(ctx, m); err != nil {
				return err
			}
			return tx.Audit(ctx, audit.Event{Actor: u.ID, AgentRole: u.Role, Action: action, EntityType: "user", EntityID: u.ID, Outcome: "failure", Details: details})
		}
		if m.Failures != 0 || m.LockedUntil != 0 {
			if err := tx.PutMFAState(ctx, store.MFAState{UserID: u.ID}); err != nil {
				return err
			}
		}
		if then != nil {
			if err := then(tx); err != nil {
				return err
			}
		}
		return tx.Audit(ctx, audit.Event{Actor: u.ID, AgentRole: u.Role, Action: action, EntityType: "user", EntityID: u.ID, Details: details})
	})
	if err != nil {
		return err
	}
	return result
}

// Unlock lifts both factors' locks and failure counts (an admin's action;
// the caller audits it).
func Unlock(ctx context.Context, tx *store.Tx, u *store.User) error {
	u.FailedLogins, u.LockedUntil = 0, 0
	return tx.PutMFAState(ctx, store.MFAState{UserID: u.ID})
}

// ResetSecondFactor removes a user's TOTP secret, recovery codes and
// second-factor lock, so that they enrol again (an admin's action; the
// caller audits it and writes u).
func ResetSecondFactor(ctx context.Context, tx *store.Tx, u *store.User) error {
	u.TOTPEnabled, u.TOTPSecret, u.TOTPLastStep = false, "", 0
	if err := tx.DeleteRecoveryCodes(ctx, u.ID); err != nil {
		return err
	}
	return tx.PutMFAState(ctx, store.MFAState{UserID: u.ID})
}

func (s *Service) openSecret(u store.User) (string, error) {
	if u.TOTPSecret == "" {
		return "", errors.New("no TOTP secret")
	}
	sealed, err := base64.StdEncoding.DecodeString(u.TOTPSecret)
	if err != nil {
		return "", err
	}
	b, err := s.Sealer.Open("totp/"+u.ID, sealed)
	return string(b), err
}

func (s *Service) audit(ctx context.Context, ev audit.Event) {
	if err := s.Store.Audit(ctx, ev); err != nil {
		s.Store.Logger().Error("auth: write audit entry", "action", ev.Action, "error", err)
	}
}
