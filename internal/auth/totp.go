package auth

import (
	"crypto/subtle"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// TOTP (RFC 6238: SHA-1, 6 digits, 30 s; one step of clock skew).
var totpOpts = totp.ValidateOpts{Period: 30, Skew: 0, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// NewTOTPKey makes a new TOTP secret for an account.
func NewTOTPKey(issuer, account string) (*otp.Key, error) {
	return totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: account})
}

// TOTPCode returns the code for a secret at t (tests, and what an
// authenticator app shows).
func TOTPCode(secret string, t time.Time) (string, error) {
	return totp.GenerateCodeCustom(secret, t, totpOpts)
}

// isTOTPCode reports whether s, without spaces, has the shape of a TOTP code.
func isTOTPCode(s string) bool {
	s = strings.ReplaceAll(strings.TrimSpace(s), " ", "")
	if len(s) != 6 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// checkTOTP accepts a code from the current step or its neighbours, and
// only from a step later than lastStep, so a code is never accepted twice.
// It returns the accepted step.
func checkTOTP(secret, code string, now time.Time, lastStep int64) (int64, bool) {
	code = strings.ReplaceAll(strings.TrimSpace(code), " ", "")
	if len(code) != 6 {
		return 0, false
	}
	for _, off := range []int64{0, -1, 1} {
		at := now.Add(time.Duration(off) * 30 * time.Second)
		step := at.Unix() / 30
		if step <= lastStep {
			continue
		}
		want, err := totp.GenerateCodeCustom(secret, at, totpOpts)
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return step, true
		}
	}
	return 0, false
}

// IsTOTPCode reports whether s has the shape of a TOTP code (six digits,
// spaces ignored); no password has it, since passwords are longer.
func IsTOTPCode(s string) bool { return isTOTPCode(s) }
