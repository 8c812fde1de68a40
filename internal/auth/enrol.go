package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"

	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/store"
)

// RecoveryCodeCount is how many recovery codes an enrolment gives.
const RecoveryCodeCount = 10

// ErrAlreadyEnrolled: the account's second factor is already on.
var ErrAlreadyEnrolled = errors.New("two-step sign-in is already on for this account")

// PendingTOTP returns the secret a user is enrolling with, or "" when none
// was made yet. It changes nothing.
func (s *Service) PendingTOTP(ctx context.Context, userID string) (string, error) {
	u, err := s.Store.User(ctx, userID)
	if err != nil {
		return "", err
	}
	if u.TOTPEnabled || u.TOTPSecret == "" {
		return "", nil
	}
	return s.openSecret(u)
}

// NewPendingTOTP makes the secret a user enrols with, sealed in the store;
// when one is already pending it is kept and returned, so a repeated
// request shows the same key.
func (s *Service) NewPendingTOTP(ctx context.Context, userID string) (string, error) {
	var secret string
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		u, err := tx.User(ctx, userID)
		if err != nil {
			return err
		}
		if u.TOTPEnabled {
			return ErrAlreadyEnrolled
		}
		if u.TOTPSecret != "" {
			secret, err = s.openSecret(u)
			return err
		}
		key, err := NewTOTPKey("Scribe", u.Email)
		if err != nil {
			return err
		}
		sealed, err := s.Sealer.Seal("totp/"+u.ID, []byte(key.Secret()))
		if err != nil {
			return err
		}
		u.TOTPSecret = base64.StdEncoding.EncodeToString(sealed)
		secret = key.Secret()
		return tx.UpdateUser(ctx, &u)
	})
	return secret, err
}

// ConfirmTOTP turns the second factor on when code matches the pending
// secret, and returns new recovery codes (shown once, stored hashed). then
// runs in the same transaction (the caller completes its sign-in there).
func (s *Service) ConfirmTOTP(ctx context.Context, userID, code string, then func(tx *store.Tx) error) ([]string, error) {
	var codes []string
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		u, err := tx.User(ctx, userID)
		if err != nil {
			return err
		}
		if u.TOTPEnabled {
			return ErrAlreadyEnrolled
		}
		secret, err := s.openSecret(u)
		if err != nil {
			return errors.New("no authenticator key has been made for this account yet")
		}
		step, ok := checkTOTP(secret, code, s.now(), u.TOTPLastStep)
		if !ok {
			return ErrWrongCode
		}
		u.TOTPEnabled, u.TOTPLastStep = true, step
		if err := tx.UpdateUser(ctx, &u); err != nil {
			return err
		}
		if err := tx.PutMFAState(ctx, store.MFAState{UserID: u.ID}); err != nil {
			return err
		}
		if codes, err = s.replaceRecoveryCodes(ctx, tx, u); err != nil {
			return err
		}
		if then != nil {
			if err := then(tx); err != nil {
				return err
			}
		}
		return tx.Audit(ctx, audit.Event{Actor: u.ID, AgentRole: u.Role, Action: "auth.totp_enrolled", EntityType: "user", EntityID: u.ID})
	})
	return codes, err
}

// RegenerateRecoveryCodes retires a user's recovery codes and returns new
// ones; the password is asked again, since the codes stand in for the
// second factor.
func (s *Service) RegenerateRecoveryCodes(ctx context.Context, u store.User, password string) ([]string, error) {
	if !u.TOTPEnabled {
		return nil, ErrNoSecondFactor
	}
	if err := s.CheckPasswordOf(ctx, u, password); err != nil {
		return nil, err
	}
	var codes []string
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		codes, err = s.replaceRecoveryCodes(ctx, tx, u)
		return err
	})
	return codes, err
}

func (s *Service) replaceRecoveryCodes(ctx context.Context, tx *store.Tx, u store.User) ([]string, error) {
	codes := make([]string, RecoveryCodeCount)
	hashes := make([]string, RecoveryCodeCount)
	for i := range codes {
		codes[i] = newRecoveryCode()
		hashes[i] = recoveryHash(u.ID, codes[i])
	}
	if err := tx.ReplaceRecoveryCodes(ctx, u.ID, hashes); err != nil {
		return nil, err
	}
	err := tx.Audit(ctx, audit.Event{Actor: u.ID, AgentRole: u.Role, Action: "auth.recovery_codes_created", EntityType: "user", EntityID: u.ID,
		Details: map[string]string{"count": strconv.Itoa(RecoveryCodeCount)}})
	return codes, err
}

// recoveryAlphabet has no look-alike characters (0/o, 1/l/i).
const recoveryAlphabet = "abcdefghjkmnpqrstuvwxyz23456789"

// newRecoveryCode returns 12 random characters (about 59 bits) as
// "xxxx-xxxx-xxxx".
func newRecoveryCode() string {
	var sb strings.Builder
	buf := make([]byte, 32)
	n := 0
	for n < 12 {
		if _, err := rand.Read(buf); err != nil {
			panic(err) // the system's randomness source failed
		}
		for _, c := range buf {
			// Bytes past the last whole multiple of the alphabet's size are
			// dropped, so every character is equally likely.
			if n == 12 || int(c) >= 256-256%len(recoveryAlphabet) {
				continue
			}
			if n > 0 && n%4 == 0 {
				sb.WriteByte('-')
			}
			sb.WriteByte(recoveryAlphabet[int(c)%len(recoveryAlphabet)])
			n++
		}
	}
	return sb.String()
}

func normalizeRecoveryCode(s string) string {
	return strings.NewReplacer("-", "", " ", "").Replace(strings.ToLower(strings.TrimSpace(s)))
}

func isRecoveryCode(s string) bool {
	n := normalizeRecoveryCode(s)
	if len(n) != 12 {
		return false
	}
	for _, c := range n {
		if !strings.ContainsRune(recoveryAlphabet, c) {
			return false
		}
	}
	return true
}

// recoveryHash is what the store keeps of a code: the codes are random
// enough that a fast hash suffices; the user ID keeps equal codes of two
// users apart.
func recoveryHash(userID, code string) string {
	sum := sha256.Sum256([]byte("scribe-recovery-code|" + userID + "|" + normalizeRecoveryCode(code)))
	return hex.EncodeToString(sum[:])
}
