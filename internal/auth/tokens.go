package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/store"
)

// TokenPrefix starts every personal API token, so that one found in a file
// or a log is recognisable (and secret scanners can match it).
const TokenPrefix = "scribe_pat_" // #nosec G101 -- the public prefix of every token, not a credential

// CreateToken makes a personal API token for u after checking the password
// again. The token is returned once; the store keeps its SHA-256.
func (s *Service) CreateToken(ctx context.Context, u store.User, name, password string) (string, store.APIToken, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 80 {
		return "", store.APIToken{}, errors.New("give the token a name of at most 80 characters (for example the computer it is for)")
	}
	if err := s.CheckPasswordOf(ctx, u, password); err != nil {
		return "", store.APIToken{}, err
	}
	tok := TokenPrefix + RandomToken(32)
	t := store.APIToken{ID: uuid.NewString(), UserID: u.ID, Name: name}
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateAPIToken(ctx, &t, HashToken(tok)); err != nil {
			return err
		}
		return tx.Audit(ctx, audit.Event{Actor: u.ID, AgentRole: u.Role, Action: "auth.token_created", EntityType: "api_token", EntityID: t.ID})
	})
	if err != nil {
		return "", store.APIToken{}, err
	}
	return tok, t, nil
}

// RevokeToken revokes one of u's tokens.
func (s *Service) RevokeToken(ctx context.Context, u store.User, id string) error {
	return s.Store.InTx(ctx, func(tx *store.Tx) error {
		ok, err := tx.RevokeAPIToken(ctx, u.ID, id)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("you have no live API token %q: %w", id, store.ErrNotFound)
		}
		return tx.Audit(ctx, audit.Event{Actor: u.ID, AgentRole: u.Role, Action: "auth.token_revoked", EntityType: "api_token", EntityID: id})
	})
}

// UserForToken returns the account a token acts for and records its use
// (audited, with what it is used for). An unknown or revoked token, or one
// whose account is disabled, is ErrBadToken.
func (s *Service) UserForToken(ctx context.Context, token, purpose string) (store.User, error) {
	token = strings.TrimSpace(token)
	if !strings.HasPrefix(token, TokenPrefix) {
		return store.User{}, ErrBadToken
	}
	t, err := s.Store.APITokenByHash(ctx, HashToken(token))
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return store.User{}, ErrBadToken
		}
		return store.User{}, err
	}
	u, err := s.Store.User(ctx, t.UserID)
	if err != nil {
		return store.User{}, err
	}
	if t.RevokedAt != 0 || u.Disabled {
		s.audit(ctx, audit.Event{Actor: u.ID, AgentRole: u.Role, Action: "auth.token_refused", EntityType: "api_token", EntityID: t.ID, Outcome: "denied",
			Details: map[string]string{"revoked": fmt.Sprint(t.RevokedAt != 0), "disabled": fmt.Sprint(u.Disabled)}})
		return store.User{}, ErrBadToken
	}
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.TouchAPIToken(ctx, t.ID); err != nil {
			return err
		}
		return tx.Audit(ctx, audit.Event{Actor: u.ID, AgentRole: u.Role, Action: "auth.token_used", EntityType: "api_token", EntityID: t.ID,
			Details: map[string]string{"for": purpose}})
	})
	return u, err
}
