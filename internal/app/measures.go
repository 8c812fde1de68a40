package app

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

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
	out := MeasureResult{Band: res.Band}
	out.Measure = store.Measure{ID: uuid.NewString(), ClientID: sess.ClientID, SessionID: sess.ID, Instrument: inst.ID, Answers: in.Answers,
		Total: res.Total, Risk: res.Risk, Source: source, EnteredBy: enteredBy, AdministeredAt: at.UnixMilli()}
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.InsertMeasure(ctx, &out.Measure); err != nil {
			return err
		}
		ev := actor
		ev.Action, ev.EntityType, ev.EntityID = "measure.record", "session", sess.ID
		ev.Details = map[string]string{"instrument": inst.ID, "total": fmt.Sprint(res.Total), "risk": fmt.Sprint(res.Risk), "source": source, "measure": out.ID}
		if err := tx.Audit(ctx, ev); err != nil {
			return err
		}
		if !res.Risk {
			return nil
		}
		raised, err := drafts.RaiseScreeningRisk(ctx, tx, sess.ID, inst.RiskReason)
		if err != nil || !raised {
			return err
		}
		out.FlagRaised = true
		flag := actor
		flag.Action, flag.EntityType, flag.EntityID = "draft.flag_raised", "session", sess.ID
		flag.Details = map[string]string{"flag": drafts.FlagScreeningRisk, "measure": out.ID}
		return tx.Audit(ctx, flag)
	})
	return out, err
}

// ClientMeasures lists a client's administrations, oldest first, for a
// user who may see the client (the care-team and Part 2 rules).
func (s *Service) ClientMeasures(ctx context.Context, by store.User, clientID string) ([]store.Measure, error) {
	cs, err := clients.Visible(ctx, s.Store, by)
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		if c.ID == clientID {
			return s.Store.MeasuresOfClient(ctx, clientID)
		}
	}
	return nil, notFound("there is no client with this ID that you may see")
}
