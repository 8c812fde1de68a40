package app

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/vocab"
)

// FieldLinkLabel is the participant a renewed client link is for.
const FieldLinkLabel Field = "participant"

// legacyLinkLife is how long a clinician's link lasts for a call session
// booked before appointments existed (it has no window).
const legacyLinkLife = 4 * time.Hour

// linkExpiry is when a new link of the session stops working: the end of
// its appointment window (with grace), or legacyLinkLife from now for a
// session without one; refused once the appointment's time is over.
func linkExpiry(sess store.Session, now time.Time) (time.Time, error) {
	if sess.ExpiresAt <= 0 {
		return now.Add(legacyLinkLife), nil
	}
	end := time.UnixMilli(sess.ExpiresAt)
	if !now.Before(end) {
		return end, conflict("the time of this appointment is over; reschedule it or book a new session")
	}
	return end, nil
}

// IssuedLink is a fresh join link of a session and when it stops working.
type IssuedLink struct {
	Link    JoinLink
	Expires time.Time
	// Revoked is how many earlier links of the same participant it
	// replaced (a renewed client link).
	Revoked int64
}

// linkRoles may renew a client's link: an admin, or the session's own
// clinician (the session rule keeps clinicians to their own sessions).
var linkRoles = []vocab.Role{vocab.RoleAdmin, vocab.RoleClinician}

// StartCallLink issues the clinician's link into a session's call (the
// Start-call button). It works until the session's appointment window and
// grace period end, like the links made when it was booked.
func (s *Service) StartCallLink(ctx context.Context, by store.User, sessionID string) (IssuedLink, error) {
	if err := requireRole(by, "start a call", vocab.RoleClinician, vocab.RoleSupervisor); err != nil {
		return IssuedLink{}, err
	}
	return s.issueLink(ctx, by, sessionID, "clinician", "clinician", "call.start")
}

// RenewClientLink issues a fresh join link for a session's client (label
// "" is the client of an individual session; a group session names the
// participant, "participant 2") and revokes the old one: the old link no
// longer opens the call. The session must be a call that has not ended,
// whose window is open or upcoming. An admin or the session's own
// clinician may renew a link.
func (s *Service) RenewClientLink(ctx context.Context, by store.User, sessionID, label string) (IssuedLink, error) {
	if err := requireRole(by, "issue a new client link", linkRoles...); err != nil {
		return IssuedLink{}, err
	}
	sess, err := s.Session(ctx, by, sessionID)
	if err != nil {
		return IssuedLink{}, err
	}
	label = strings.TrimSpace(label)
	if !sess.Group {
		if label != "" && label != "client" {
			return IssuedLink{}, &ValidationError{Field: FieldLinkLabel, Value: label, Problem: "is not a participant of this session", Hint: "leave it empty: an individual session has one client"}
		}
		label = "client"
	} else {
		n, err := strconv.Atoi(strings.TrimPrefix(label, "participant "))
		if !strings.HasPrefix(label, "participant ") || err != nil || n < 1 || n > MaxGroupClients {
			return IssuedLink{}, &ValidationError{Field: FieldLinkLabel, Value: label, Problem: "is not a participant of this group session", Hint: fmt.Sprintf("name one as \"participant N\", N from 1 to %d", MaxGroupClients)}
		}
	}
	return s.issueLink(ctx, by, sessionID, "client", label, "session.link_renewed")
}

// issueLink checks that the session's call can still be joined and stores
// a new token for role and label (revoking the label's old ones for a
// client), audited as action.
func (s *Service) issueLink(ctx context.Context, by store.User, sessionID, role, label, action string) (IssuedLink, error) {
	var out IssuedLink
	sess, err := s.Session(ctx, by, sessionID)
	if err != nil {
		return out, err
	}
	now := s.now()
	if !sess.Open() {
		return out, conflict(fmt.Sprintf("this session is %s; only a scheduled or running call has join links", strings.ReplaceAll(sess.Status, "_", " ")))
	}
	if out.Expires, err = linkExpiry(sess, now); err != nil {
		return out, err
	}
	tok, hash := s.joinToken()
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		if role != "clinician" {
			n, err := tx.RevokeJoinTokens(ctx, sessionID, label)
			if err != nil {
				return err
			}
			out.Revoked = n
		}
		if err := tx.AddJoinToken(ctx, store.JoinToken{TokenHash: hash, SessionID: sessionID, Role: role, Label: label, ExpiresAt: out.Expires.UnixMilli()}); err != nil {
			return err
		}
		ev := audit.Event{Action: action, EntityType: "session", EntityID: sessionID}
		if role != "clinician" {
			ev.Details = map[string]string{"label": label, "revoked": strconv.FormatInt(out.Revoked, 10)}
		}
		return tx.Audit(ctx, event(by, ev))
	})
	if err != nil {
		return out, fmt.Errorf("issue a join link: %w", err)
	}
	out.Link = JoinLink{Role: role, Label: label, Token: tok}
	return out, nil
}
