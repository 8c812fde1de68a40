package app

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/scribe-health/scribe/drafts"
	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/clients"
	"github.com/scribe-health/scribe/internal/instruments"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/validate"
	"github.com/scribe-health/scribe/internal/vocab"
)

// The inputs of a questionnaire.
const (
	FieldInstrument Field = "questionnaire"
	FieldAnswers    Field = "answers"
)

// MeasureInput is one administration of a questionnaire for a session.
type MeasureInput struct {
	SessionID  string
	Instrument string // phq9, gad7, auditc
	Answers    []int  // one per item; -1 for an item left unanswered
	// AdministeredAt is when the client answered (default now).
	AdministeredAt time.Time
}

// MeasureResult is a stored administration with its score.
type MeasureResult struct {
	store.Measure
	// Band is the severity band of the total.
	Band string `json:"band"`
	// FlagRaised: a positive risk item raised the screening-risk flag on
	// the session's draft.
	FlagRaised bool
}

// RecordMeasure stores a questionnaire the clinician gave (or entered from
// paper) for a session they may see: scored, audited, and when its risk
// item is positive (PHQ-9 item 9) the session's unsigned draft gets a
// high-severity flag that signing cannot pass until it is resolved.
func (s *Service) RecordMeasure(ctx context.Context, by store.User, in MeasureInput) (MeasureResult, error) {
	if err := requireRole(by, "enter a questionnaire", vocab.RoleClinician, vocab.RoleSupervisor); err != nil {
		return MeasureResult{}, err
	}
	sess, err := s.Session(ctx, by, in.SessionID)
	if err != nil {
		return MeasureResult{}, err
	}
	return s.recordMeasure(ctx, sess, in, store.MeasureByClinician, by.Email, event(by, audit.Event{}))
}

// RecordMeasureFromLink stores a questionnaire the client answered through
// their join link; the caller has checked the link (it names the session
// and the participant) without spending it.
func (s *Service) RecordMeasureFromLink(ctx context.Context, sessionID, participant string, in MeasureInput) (MeasureResult, error) {
	sess, err := s.Store.Session(ctx, sessionID)
	if err != nil {
		return MeasureResult{}, notFound("there is no session with this ID")
	}
	in.SessionID = sess.ID
	return s.recordMeasure(ctx, sess, in, store.MeasureByClient, "", audit.Event{Actor: "link:" + participant, AgentRole: "client"})
}

func (s *Service) recordMeasure(ctx context.Context, sess store.Session, in MeasureInput, source, enteredBy string, actor audit.Event) (MeasureResult, error) {
	inst, err := instruments.ByID(in.Instrument)
	if err != nil {
		var ids []string
		for _, i := range instruments.All {
			ids = append(ids, i.ID)
		}
		return MeasureResult{}, &validate.Error{Field: FieldInstrument, Value: in.Instrument, Allowed: ids, Err: err}
	}
	res, err := inst.Score(in.Answers)
	if err != nil {
		return MeasureResult{}, &validate.Error{Field: FieldAnswers, Problem: "are incomplete", Hint: "answer every question: " + err.Error(), Err: err}
	}
	if sess.ClientID == "" {
		return MeasureResult{}, &validate.Error{Field: FieldClient, Problem: "is missing", Hint: "this session has no client, so a questionnaire cannot be kept for one"}
	}
	at := in.AdministeredAt
	if at.IsZero() {
		at = s.now()
	}
	m, raised, err := drafts.RecordMeasure(ctx, s.Store, drafts.Administration{Session: sess, Instrument: inst, Answers: in.Answers, Result: res,
		At: at, Source: source, EnteredBy: enteredBy, Actor: actor})
	return MeasureResult{Measure: m, Band: res.Band, FlagRaised: raised}, err
}

// ClientMeasures lists a client's administrations, oldest first, for a
// user who may see the client (the care-team and Part 2 rules).
func (s *Service) ClientMeasures(ctx context.Context, by store.User, clientID string) ([]store.Measure, error) {
	c, err := s.Store.Client(ctx, clientID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !clients.MaySee(by, c)) {
		return nil, notFound("there is no client with this ID that you may see")
	}
	if err != nil {
		return nil, err
	}
	return s.Store.MeasuresOfClient(ctx, clientID)
}

// RequestMeasures sends questionnaires to the session's client: they
// answer them through their join link, on the waiting page before the
// call. Audited; asking again for one already asked changes nothing.
func (s *Service) RequestMeasures(ctx context.Context, by store.User, sessionID string, ids []string) error {
	if err := requireRole(by, "send a questionnaire", vocab.RoleClinician, vocab.RoleSupervisor); err != nil {
		return err
	}
	sess, err := s.Session(ctx, by, sessionID)
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		return &validate.Error{Field: FieldInstrument, Problem: "is missing", Hint: "choose at least one questionnaire to send"}
	}
	var chosen []string
	for _, id := range ids {
		in, err := instruments.ByID(id)
		if err != nil {
			return &validate.Error{Field: FieldInstrument, Value: id, Err: err}
		}
		chosen = append(chosen, in.ID)
	}
	return s.Store.InTx(ctx, func(tx *store.Tx) error {
		for _, id := range chosen {
			if err := tx.RequestMeasure(ctx, sess.ID, id, by.Email); err != nil {
				return err
			}
		}
		return tx.Audit(ctx, event(by, audit.Event{Action: "measure.request", EntityType: "session", EntityID: sess.ID,
			Details: map[string]string{"instruments": strings.Join(chosen, ",")}}))
	})
}
