package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/scribe-health/scribe/drafts"
	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/billing"
	"github.com/scribe-health/scribe/internal/clients"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/validate"
	"github.com/scribe-health/scribe/internal/vocab"
)

// FieldPeriod is the date range of a charge export.
const FieldPeriod Field = "period"

// maxChargeSessions bounds the sessions one charge export reads.
const maxChargeSessions = 10000

// Charges lists the confirmed codes of the signed notes the principal may
// see whose signature falls in [from, to): one row per service code, for
// billing staff. Nothing is submitted anywhere; an export that lists
// anything is audited.
// Dates are rendered in loc.
func (s *Service) Charges(ctx context.Context, by store.User, from, to time.Time, loc *time.Location) ([]billing.Charge, error) {
	if err := requireRole(by, "export charges", vocab.RoleClinician, vocab.RoleSupervisor, vocab.RoleAdmin); err != nil {
		return nil, err
	}
	if !from.Before(to) {
		return nil, &validate.Error{Field: FieldPeriod, Problem: "is empty", Hint: "the first day must come before the last"}
	}
	if loc == nil {
		loc = time.Local
	}
	sessions, err := clients.Sessions(ctx, s.Store, by, string(vocab.StatusReady), maxChargeSessions)
	if err != nil {
		return nil, err
	}
	var out []billing.Charge
	for _, sess := range sessions {
		d, err := s.Store.LatestDraft(ctx, sess.ID)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		signed := time.UnixMilli(d.SignedAt)
		if d.Status != store.DraftSigned || signed.Before(from) || !signed.Before(to) {
			continue
		}
		v, err := drafts.BuildView(d, nil, drafts.RenderOptions{})
		if err != nil {
			return nil, err
		}
		if v.Billing == nil {
			continue
		}
		var dx []string
		for _, c := range v.Billing.Diagnoses {
			dx = append(dx, c.Code)
		}
		day := time.UnixMilli(sess.CreatedAt)
		if sess.ClockStartAt > 0 {
			day = time.UnixMilli(sess.ClockStartAt)
		}
		for _, p := range v.Billing.Procedures {
			out = append(out, billing.Charge{DateOfService: day.In(loc).Format(time.DateOnly), SessionID: sess.ID, ClientAlias: sess.ClientAlias,
				Clinician: sess.Clinician, Code: p.Code, Modifiers: p.Modifiers, Units: max(p.Units, 1), PlaceOfService: v.Billing.PlaceOfService,
				Diagnoses: dx, Basis: p.Basis, SignedAt: signed.UTC().Format(time.RFC3339)})
		}
	}
	if len(out) == 0 {
		return out, nil // an export that lists nothing discloses nothing
	}
	if err := s.Store.Audit(ctx, event(by, audit.Event{Action: "charges.export", EntityType: "charges", EntityID: from.Format(time.DateOnly) + ".." + to.Format(time.DateOnly),
		Details: map[string]string{"rows": fmt.Sprint(len(out))}})); err != nil {
		return nil, err
	}
	return out, nil
}
