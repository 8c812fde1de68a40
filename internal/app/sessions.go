package app

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/clients"
	"github.com/scribe-health/scribe/internal/pipeline"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/validate"
	"github.com/scribe-health/scribe/internal/vocab"
)

// FieldClientLinks is the number of client join links of a group session.
const FieldClientLinks Field = "client links"

// Group sessions: a call holds at most 12 people, the clinician included.
const (
	DefaultGroupClients = 6
	MaxGroupClients     = 11
)

// ScheduleInput is a session booked for an appointment.
type ScheduleInput struct {
	// Clinician is the e-mail of the clinician or supervisor account the
	// session belongs to; empty is the principal.
	Clinician   string
	ClientAlias string
	Template    string // "" is soap
	Modality    string // "" is general
	Program     string // "" is mental health; "sud" a Part 2 program
	Group       bool
	// Mode is how it is captured: "" or ModeCall, a call on Scribe's relay
	// (a clinician link and client links); ModeRoom, recorded in the room
	// by the clinician's browser (one room link, for the clinician).
	Mode string
	// Clients is the number of client links of a group session (0 is
	// DefaultGroupClients); an individual session has one.
	Clients int
	Start   time.Time     // zero is now
	Length  time.Duration // zero is pipeline.DefaultSessionLength
}

// JoinLink is one participant's way into the call; the adapter makes the
// URL ("BASE/call/SESSION?token=TOKEN"). The token is shown once.
type JoinLink struct {
	Role  string `json:"role"` // clinician or client
	Label string `json:"label"`
	Token string `json:"-"`
}

// Scheduled is a booked session and its join links.
type Scheduled struct {
	Session   store.Session
	Start     time.Time
	Length    time.Duration
	ExpiresAt time.Time
	Links     []JoinLink
}

// schedulerRoles may book sessions and upload recordings.
var schedulerRoles = []vocab.Role{vocab.RoleClinician, vocab.RoleSupervisor, vocab.RoleAdmin}

// ScheduleSession books a call session for an appointment, points it at its
// client (found or created, by the care-team rule) and makes its join
// links, all in one audited transaction.
//
// A clinician books only their own sessions; a supervisor or an admin may
// book for any clinician. A Part 2 (substance-use) session needs a
// principal with Part 2 access.
func (s *Service) ScheduleSession(ctx context.Context, by store.User, in ScheduleInput) (Scheduled, error) {
	var out Scheduled
	if err := requireRole(by, "schedule a session", schedulerRoles...); err != nil {
		return out, err
	}
	now := s.now()
	if in.Start.IsZero() {
		in.Start = now
	}
	if in.Length == 0 {
		in.Length = pipeline.DefaultSessionLength
	}
	if in.Clinician == "" {
		in.Clinician = by.Email
	}
	if by.Role == store.RoleClinician && store.NormalizeEmail(in.Clinician) != by.Email {
		return out, forbidden("a clinician schedules only their own sessions; ask a supervisor or an admin to book one for another clinician")
	}
	choices := pipeline.SessionChoices{Template: in.Template, Modality: in.Modality, Program: in.Program, ClientAlias: in.ClientAlias, Clinician: in.Clinician,
		RequireAlias: true, RequireClinician: true}
	if err := pipeline.CheckSession(ctx, s.Store, &choices); err != nil {
		return out, err
	}
	if err := pipeline.CheckSchedule(in.Start, in.Length, now); err != nil {
		return out, err
	}
	mode, err := ParseMode(in.Mode)
	if err != nil {
		return out, err
	}
	if mode == ModeRoom && in.Group {
		return out, &ValidationError{Field: FieldMode, Value: mode, Problem: "is for individual sessions", Hint: "a group session is recorded on its call, one track per participant"}
	}
	n := 1
	if mode == ModeRoom {
		n = 0 // the clinician's room link only
	}
	if in.Group {
		n = in.Clients
		if n == 0 {
			n = DefaultGroupClients
		}
		if err := validate.Int(FieldClientLinks, n, 1, MaxGroupClients); err != nil {
			return out, err
		}
	}
	if vocab.IsPart2(choices.Program) && !by.Part2Access {
		return out, as(ErrForbidden, clients.ErrCreatorNoPart2)
	}
	clinician, err := clients.Person(ctx, s.Store, choices.Clinician)
	if err != nil {
		return out, fmt.Errorf("read the clinician's account: %w", err)
	}
	sess := store.Session{ID: uuid.NewString(), Source: mode, Status: store.StatusScheduled, Template: choices.Template, Modality: choices.Modality,
		Program: choices.Program, Group: in.Group, ClientAlias: choices.ClientAlias, Clinician: choices.Clinician}
	// The links work until the appointment window and its grace period end.
	sess.Book(in.Start, in.Length)
	expires := time.UnixMilli(sess.ExpiresAt)
	var links []JoinLink
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		links = links[:0]
		clientID, err := clients.Resolve(ctx, tx, clients.Request{Alias: sess.ClientAlias, Program: sess.Program, Clinician: clinician, By: by, Actor: by.ID})
		if err != nil {
			return err
		}
		sess.ClientID = clientID
		if err := tx.CreateSession(ctx, &sess); err != nil {
			return err
		}
		for i := 0; i <= n; i++ {
			role, label := "client", "client"
			if i == 0 {
				role, label = "clinician", "clinician"
				if mode == ModeRoom {
					label = RoomLabel
				}
			} else if in.Group {
				label = fmt.Sprintf("participant %d", i)
			}
			tok, hash := s.joinToken()
			if err := tx.AddJoinToken(ctx, store.JoinToken{TokenHash: hash, SessionID: sess.ID, Role: role, Label: label, ExpiresAt: sess.ExpiresAt}); err != nil {
				return err
			}
			links = append(links, JoinLink{Role: role, Label: label, Token: tok})
		}
		return tx.Audit(ctx, event(by, audit.Event{Action: "session.create", EntityType: "session", EntityID: sess.ID,
			Details: map[string]string{"program": sess.Program, "mode": mode, "group": strconv.FormatBool(in.Group), "links": strconv.Itoa(len(links)),
				"scheduled_at": in.Start.UTC().Format(time.RFC3339), "minutes": strconv.Itoa(int(in.Length / time.Minute))}}))
	})
	switch {
	case errors.Is(err, clients.ErrAliasTaken), errors.Is(err, clients.ErrNotInProgram), errors.Is(err, clients.ErrAmbiguous):
		return out, as(ErrConflict, err)
	case errors.Is(err, clients.ErrCreatorNoPart2):
		return out, as(ErrForbidden, err)
	case err != nil:
		return out, fmt.Errorf("schedule the session: %w", err)
	}
	return Scheduled{Session: sess, Start: in.Start, Length: in.Length, ExpiresAt: expires, Links: links}, nil
}

// cancelRoles may cancel a session: an admin, or its own clinician (the
// session rule keeps clinicians to their own sessions).
var cancelRoles = []vocab.Role{vocab.RoleAdmin, vocab.RoleClinician}

// CancelSession cancels a scheduled call session that has not ended, for
// a reason from pipeline.CancelReasons. A session with recorded audio is
// ended and drafted instead (Recorded); nothing recorded under consent is
// thrown away by a cancellation. An admin or the session's own clinician
// may cancel it; a supervisor may not.
func (s *Service) CancelSession(ctx context.Context, by store.User, sessionID, reason string) (pipeline.Cancelled, error) {
	if err := requireRole(by, "cancel a session", cancelRoles...); err != nil {
		return pipeline.Cancelled{}, err
	}
	if _, err := s.Session(ctx, by, sessionID); err != nil {
		return pipeline.Cancelled{}, err
	}
	res, err := pipeline.CancelSession(ctx, s.Store, sessionID, by.ID, by.Role, reason)
	if errors.Is(err, pipeline.ErrSessionNotOpen) {
		return res, as(ErrConflict, err)
	}
	return res, err
}

// RetrySession restarts a failed session at the stage that failed. Pressed
// again while that runs, it changes nothing and says so.
func (s *Service) RetrySession(ctx context.Context, by store.User, sessionID string) (pipeline.Retried, error) {
	if err := requireRole(by, "retry a session", schedulerRoles...); err != nil {
		return pipeline.Retried{}, err
	}
	if _, err := s.Session(ctx, by, sessionID); err != nil {
		return pipeline.Retried{}, err
	}
	res, err := pipeline.Retry(ctx, s.Store, sessionID, by.ID)
	var nr *pipeline.NotRetryableError
	if errors.As(err, &nr) {
		return res, as(ErrConflict, err)
	}
	return res, err
}
