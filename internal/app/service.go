package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/auth"
	"github.com/scribe-health/scribe/internal/blob"
	"github.com/scribe-health/scribe/internal/clients"
	"github.com/scribe-health/scribe/internal/pipeline"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/vocab"
)

// Service performs the operations. Its zero Now and NewJoinToken are the
// clock and random tokens.
type Service struct {
	Store *store.Store
	// Blobs holds the encrypted transcripts and identifier maps (the note's
	// changes read the session's map to de-identify what is typed).
	Blobs blob.Store
	// Now is the clock (tests set it).
	Now func() time.Time
	// NewJoinToken makes a call join token and the hash the store keeps.
	NewJoinToken func() (token, hash string)
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) joinToken() (string, string) {
	if s.NewJoinToken != nil {
		return s.NewJoinToken()
	}
	tok := auth.RandomToken(24)
	return tok, pipeline.HashJoinToken(tok)
}

// Operator is the principal of the host operator at the command line
// (whoever holds the data directory and its keys), named name in the
// audit log: an admin who sees every client.
func Operator(name string) store.User { return clients.Operator(name) }

// event fills in the principal as the actor of an audit event: their
// user ID and role (the host operator's role is left to the audit log,
// which calls a "cli:NAME" actor a cli agent).
func event(by store.User, ev audit.Event) audit.Event {
	ev.Actor, ev.AgentRole = by.ID, by.Role
	if by.Email == "" {
		ev.AgentRole = ""
	}
	return ev
}

// requireRole refuses a principal whose role is not one of roles.
func requireRole(by store.User, what string, roles ...vocab.Role) error {
	if slices.Contains(roles, vocab.Role(by.Role)) {
		return nil
	}
	names := vocab.Strings(roles)
	who := names[0]
	if len(names) > 1 {
		who = strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
	}
	article := "a"
	if strings.ContainsRune("aeiou", rune(who[0])) {
		article = "an"
	}
	return forbidden(fmt.Sprintf("only %s %s may %s", article, who, what))
}

// Session reads a session the principal may see. A session that does not
// exist is ErrNotFound; one of another clinician, or of a client whose
// care team the principal is not on, is ErrForbidden (audited, and said
// the same way for Part 2 and other sessions).
func (s *Service) Session(ctx context.Context, by store.User, id string) (store.Session, error) {
	sess, _, err := clients.ForSession(ctx, s.Store, by, id)
	switch {
	case errors.Is(err, clients.ErrNotFound):
		return sess, notFound("there is no session with this ID")
	case errors.Is(err, clients.ErrNoAccess):
		if aerr := s.Store.Audit(ctx, event(by, audit.Event{Action: "session.access_denied", EntityType: "session", EntityID: sess.ID, Outcome: "denied",
			Details: map[string]string{"role": by.Role, "part2": strconv.FormatBool(sess.Part2())}})); aerr != nil {
			return sess, fmt.Errorf("audit a refused access: %w", aerr)
		}
		return sess, as(ErrForbidden, err)
	case err != nil:
		return sess, fmt.Errorf("read the session: %w", err)
	}
	return sess, nil
}
