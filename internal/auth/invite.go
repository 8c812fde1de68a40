package auth

import (
	"context"
	"strconv"
	"time"

	"github.com/scribe-health/scribe/internal/store"
)

// InviteTTL is how long an invitation link works.
const InviteTTL = 72 * time.Hour

// InviteKey is the setting that holds an invitation token's user and
// expiry; only the token's hash is kept.
func InviteKey(token string) string { return "invite:" + HashToken(token) }

// CreateInvite makes a one-time invitation token with which userID chooses
// a password (the web app's /invite?token=…), valid for ttl from now.
func CreateInvite(ctx context.Context, st *store.Store, userID string, ttl time.Duration, now time.Time) (string, error) {
	tok := RandomToken(24)
	err := st.InTx(ctx, func(tx *store.Tx) error {
		return tx.PutSetting(ctx, InviteKey(tok), userID+"|"+strconv.FormatInt(now.Add(ttl).UnixMilli(), 10))
	})
	if err != nil {
		return "", err
	}
	return tok, nil
}
