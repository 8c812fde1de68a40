package app

import (
	"context"
	"errors"
	"sort"
	"strings"

	"github.com/scribe-health/scribe/drafts"
	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/clients"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/validate"
	"github.com/scribe-health/scribe/internal/vocab"
)

// The inputs of supervision.
const (
	FieldSupervisor Field = "supervisor"
	FieldComment    Field = "comment"
)

// SetSupervisor makes a supervisor responsible for a clinician's notes
// (an empty supervisor ends it). The clinician becomes an associate: their
// signature moves a note to awaiting co-signature. Admins only; audited.
func (s *Service) SetSupervisor(ctx context.Context, by store.User, clinicianEmail, supervisorEmail string) error {
	if err := requireRole(by, "assign supervisors", vocab.RoleAdmin); err != nil {
		return err
	}
	clin, err := s.Store.UserByEmail(ctx, store.NormalizeEmail(clinicianEmail))
	if err != nil || clin.Role != store.RoleClinician {
		return &validate.Error{Field: FieldEmail, Value: clinicianEmail, Problem: "is not a clinician's account", Hint: "only clinicians have supervisors"}
	}
	sup := ""
	if strings.TrimSpace(supervisorEmail) != "" {
		u, err := s.Store.UserByEmail(ctx, store.NormalizeEmail(supervisorEmail))
		if err != nil || u.Role != store.RoleSupervisor || u.Disabled {
			return &validate.Error{Field: FieldSupervisor, Value: supervisorEmail, Problem: "is not an active supervisor's account", Hint: "give the e-mail of a user with the supervisor role"}
		}
		sup = u.Email
	}
	return s.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.SetSupervisor(ctx, clin.Email, sup, by.Email); err != nil {
			return err
		}
		return tx.Audit(ctx, event(by, audit.Event{Action: "user.supervisor", EntityType: "user", EntityID: clin.ID,
			Details: map[string]string{"supervisor": sup}}))
	})
}

// Cosign makes an associate's signed note final in the supervisor's name.
func (s *Service) Cosign(ctx context.Context, by store.User, sessionID string) (store.Draft, error) {
	sess, svc, err := s.draftChange(ctx, by, sessionID, "co-sign a note", vocab.RoleSupervisor)
	if err != nil {
		return store.Draft{}, err
	}
	d, err := svc.Cosign(ctx, sess.ID, by.Email, "")
	return d, supervisionError(err)
}

// ReturnNote sends an associate's signed note back with a comment.
func (s *Service) ReturnNote(ctx context.Context, by store.User, sessionID, comment string) (store.Draft, error) {
	sess, svc, err := s.draftChange(ctx, by, sessionID, "return a note", vocab.RoleSupervisor)
	if err != nil {
		return store.Draft{}, err
	}
	if strings.TrimSpace(comment) == "" {
		return store.Draft{}, &validate.Error{Field: FieldComment, Problem: "is empty", Hint: "say what the associate should change"}
	}
	d, err := svc.Return(ctx, sess.ID, by.Email, comment)
	return d, supervisionError(err)
}

func supervisionError(err error) error {
	switch {
	case errors.Is(err, drafts.ErrNotTheSupervisor):
		return as(ErrForbidden, err)
	case errors.Is(err, drafts.ErrNotAwaitingCosign):
		return as(ErrConflict, err)
	}
	return draftError(err)
}

// Awaiting is one note waiting for a supervisor.
type Awaiting struct {
	Session   store.Session
	Associate string
	SignedAt  int64
}

// CosignQueue lists the notes the supervisor's associates signed that wait
// for their co-signature, oldest signature first.
func (s *Service) CosignQueue(ctx context.Context, by store.User) ([]Awaiting, error) {
	if err := requireRole(by, "see the co-signature queue", vocab.RoleSupervisor); err != nil {
		return nil, err
	}
	associates, err := s.Store.Associates(ctx, by.Email)
	if err != nil {
		return nil, err
	}
	var out []Awaiting
	for _, a := range associates {
		sessions, err := s.Store.ListSessionsFor(ctx, a, store.StatusReady, by.Part2Access, 500)
		if err != nil {
			return nil, err
		}
		for _, sess := range sessions {
			d, err := s.Store.LatestDraft(ctx, sess.ID)
			if err != nil || d.Status != store.DraftAwaitingCosign {
				continue
			}
			if _, _, err := clients.ForSession(ctx, s.Store, by, sess.ID); err != nil {
				continue // a Part 2 record this supervisor may not see
			}
			out = append(out, Awaiting{Session: sess, Associate: a, SignedAt: d.SignedAt})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].SignedAt < out[j].SignedAt })
	return out, nil
}
