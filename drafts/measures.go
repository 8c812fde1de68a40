package drafts

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/instruments"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/summarize"
)

// FlagScreeningRisk is raised when a screening questionnaire given for the
// session has a positive risk item (PHQ-9 item 9 above 0). It is high
// severity and, unlike the note's own flags, cannot be signed over with a
// reason: the clinician resolves it by saying how the risk was assessed.
const FlagScreeningRisk = "screening_risk"

// screeningFlags are the flags of a session's administrations: one
// screening-risk flag when any has a positive risk item.
func screeningFlags(ms []store.Measure) []Flag {
	for _, m := range ms {
		if in, err := instruments.ByID(m.Instrument); err == nil && m.Risk {
			return []Flag{{Flag: summarize.Flag{Code: FlagScreeningRisk, Severity: summarize.SeverityHigh, Reason: in.RiskReason}}}
		}
	}
	return nil
}

// MeasureFlags are the flags a new draft of the session starts with from
// its screening questionnaires (the drafting stage adds them to the
// model's flags).
func MeasureFlags(ctx context.Context, st *store.Store, sessionID string) ([]Flag, error) {
	ms, err := st.MeasuresOfSession(ctx, sessionID)
	if err != nil {
		return nil, fmt.Errorf("the session's questionnaires cannot be read: %w", err)
	}
	return screeningFlags(ms), nil
}

// RaiseScreeningRisk adds the screening-risk flag to the session's
// unsigned draft, open, if it is not there yet (a questionnaire answered
// after the draft was made). A signed or rejected note is left as it is:
// a risk found after signing is an addendum's business.
func RaiseScreeningRisk(ctx context.Context, tx *store.Tx, sessionID, reason string) (bool, error) {
	d, err := tx.LatestDraft(ctx, sessionID)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil // the drafting stage adds it (MeasureFlags)
	}
	if err != nil {
		return false, err
	}
	if d.Status == store.DraftSigned || d.Status == store.DraftRejected {
		return false, nil
	}
	flags, err := decodeFlags(d)
	if err != nil {
		return false, err
	}
	for _, f := range flags {
		if f.Code == FlagScreeningRisk && !f.Resolved {
			return false, nil
		}
	}
	flags = append(flags, Flag{Flag: summarize.Flag{Code: FlagScreeningRisk, Severity: summarize.SeverityHigh, Reason: reason}})
	d.Flags = mustJSON(flags)
	return true, tx.UpdateDraft(ctx, &d)
}

// Administration is one scored questionnaire to store for a session.
type Administration struct {
	Session    store.Session
	Instrument instruments.Instrument
	Answers    []int
	Result     instruments.Result
	At         time.Time
	Source     string // store.MeasureByClient or MeasureByClinician
	EnteredBy  string // the clinician's e-mail (clinician entries)
	// Actor is the audit entry's actor (a user, or the client's link).
	Actor audit.Event
}

// RecordMeasure stores a scored administration and its audit entry, and
// when its risk item is positive raises the screening-risk flag on the
// session's unsigned draft (audited too), all in one transaction. It
// reports whether the flag was raised now.
func RecordMeasure(ctx context.Context, st *store.Store, a Administration) (store.Measure, bool, error) {
	m := store.Measure{ID: uuid.NewString(), ClientID: a.Session.ClientID, SessionID: a.Session.ID, Instrument: a.Instrument.ID, Answers: a.Answers,
		Total: a.Result.Total, Risk: a.Result.Risk, Source: a.Source, EnteredBy: a.EnteredBy, AdministeredAt: a.At.UnixMilli()}
	raised := false
	err := st.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.InsertMeasure(ctx, &m); err != nil {
			return err
		}
		ev := a.Actor
		ev.Action, ev.EntityType, ev.EntityID = "measure.record", "session", a.Session.ID
		ev.Details = map[string]string{"instrument": a.Instrument.ID, "total": fmt.Sprint(a.Result.Total), "risk": fmt.Sprint(a.Result.Risk), "source": a.Source, "measure": m.ID}
		if err := tx.Audit(ctx, ev); err != nil {
			return err
		}
		if !a.Result.Risk {
			return nil
		}
		var err error
		if raised, err = RaiseScreeningRisk(ctx, tx, a.Session.ID, a.Instrument.RiskReason); err != nil || !raised {
			return err
		}
		flag := a.Actor
		flag.Action, flag.EntityType, flag.EntityID = "draft.flag_raised", "session", a.Session.ID
		flag.Details = map[string]string{"flag": FlagScreeningRisk, "measure": m.ID}
		return tx.Audit(ctx, flag)
	})
	return m, raised, err
}
