package app_test

import (
	"errors"
	"testing"
	"time"

	"github.com/scribe-health/scribe/capture"
	"github.com/scribe-health/scribe/internal/app"
	"github.com/scribe-health/scribe/internal/pipeline"
	"github.com/scribe-health/scribe/internal/store"
)

// windowEnv books a 45-minute appointment two days ahead on a movable
// clock shared by the service and the call backend (the relay's side).
func windowEnv(t *testing.T, e *env, alias string) (clk *time.Time, res app.Scheduled, cb *pipeline.CallBackend) {
	t.Helper()
	now := e.now
	clk = &now
	e.svc.Now = func() time.Time { return *clk }
	start := time.Date(e.now.Year(), e.now.Month(), e.now.Day()+2, 14, 0, 0, 0, time.UTC)
	res, err := e.svc.ScheduleSession(e.ctx, e.clinician, app.ScheduleInput{ClientAlias: alias, Start: start, Length: 45 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	return clk, res, &pipeline.CallBackend{Store: e.st, Now: func() time.Time { return *clk }}
}

func tokenOf(t *testing.T, res app.Scheduled, role string) string {
	t.Helper()
	for _, l := range res.Links {
		if l.Role == role {
			return l.Token
		}
	}
	t.Fatalf("no %s link in %+v", role, res.Links)
	return ""
}

// TestJoinLinkWindow: a client's link opens the call from 30 minutes
// before the appointment to the end of its window plus the grace period.
// Opened earlier, it says when the appointment is and is not spent; after
// the window it is refused as over (the page then says to ask for a new
// link). The clinician may open the room before.
func TestJoinLinkWindow(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		clk, res, cb := windowEnv(t, e, "client-w")
		start, id := res.Start, res.Session.ID
		client, clin := tokenOf(t, res, "client"), tokenOf(t, res, "clinician")

		*clk = start.Add(-40 * time.Minute)
		for i := range 2 { // twice: an early look spends nothing
			_, err := cb.Authorize(e.ctx, id, client)
			var early *capture.TooEarlyError
			if !errors.As(err, &early) {
				t.Fatalf("look %d, 40 minutes early: %v; want TooEarlyError", i+1, err)
			}
			if !early.Start.Equal(start) || !early.Opens.Equal(start.Add(-pipeline.JoinEarly)) || !early.End.Equal(start.Add(45*time.Minute)) {
				t.Errorf("early refusal %+v; want the appointment at %v, opening 30 minutes before", early, start)
			}
		}
		if p, err := cb.Authorize(e.ctx, id, clin); err != nil || p.Role != capture.RoleClinician {
			t.Errorf("the clinician 40 minutes early: %+v %v; want in", p, err)
		}
		for _, at := range []time.Duration{-pipeline.JoinEarly, 0, 45*time.Minute + store.ScheduleGrace - time.Second} {
			*clk = start.Add(at)
			if p, err := cb.Authorize(e.ctx, id, client); err != nil || p.Label != "client" {
				t.Errorf("the client at %v from the start: %+v %v; want in", at, p, err)
			}
		}
		*clk = start.Add(45*time.Minute + store.ScheduleGrace)
		_, err := cb.Authorize(e.ctx, id, client)
		if !errors.Is(err, capture.ErrWindowOver) || !errors.Is(err, pipeline.ErrJoinRefused) {
			t.Errorf("after the window: %v; want refused as over", err)
		}
		// Swept as expired, the session still says its time is over.
		if n, err := pipeline.EndExpiredSessions(e.ctx, e.st, clk.Add(time.Minute)); err != nil || n != 1 {
			t.Fatalf("expiry sweep ended %d, %v", n, err)
		}
		if _, err := cb.Authorize(e.ctx, id, client); !errors.Is(err, capture.ErrWindowOver) {
			t.Errorf("after the sweep: %v; want refused as over", err)
		}
	})
}

// TestRenewClientLink: the clinician (or an admin) issues a new client link
// for a session whose window is upcoming or open; the old link stops
// working, the new one follows the window, and the renewal is audited.
// Another clinician, a supervisor and a session whose time is over are
// refused. The clinician's Start-call link lasts until the window ends.
func TestRenewClientLink(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		clk, res, cb := windowEnv(t, e, "client-r")
		id, old := res.Session.ID, tokenOf(t, res, "client")

		_, err := e.svc.RenewClientLink(e.ctx, e.other, id, "")
		wantKind(t, "another clinician", err, app.ErrForbidden)
		_, err = e.svc.RenewClientLink(e.ctx, e.supervisor, id, "")
		wantKind(t, "a supervisor", err, app.ErrForbidden)
		_, err = e.svc.RenewClientLink(e.ctx, e.clinician, id, "participant 2")
		wantValidation(t, "a participant of an individual session", err, app.FieldLinkLabel)

		nl, err := e.svc.RenewClientLink(e.ctx, e.clinician, id, "")
		if err != nil {
			t.Fatal(err)
		}
		if nl.Link.Token == "" || nl.Link.Token == old || nl.Link.Label != "client" || nl.Revoked != 1 || !nl.Expires.Equal(res.ExpiresAt) {
			t.Errorf("renewed %+v (revoked %d, expires %v); want a new client link until %v replacing one", nl.Link, nl.Revoked, nl.Expires, res.ExpiresAt)
		}
		if a := e.lastAudit("session.link_renewed"); a.Actor != e.clinician.ID || a.EntityID != id || a.Details["revoked"] != "1" {
			t.Errorf("audited %+v", a)
		}
		*clk = res.Start
		if _, err := cb.Authorize(e.ctx, id, old); !errors.Is(err, pipeline.ErrJoinRefused) {
			t.Errorf("the old link at the appointment: %v; want refused", err)
		}
		if p, err := cb.Authorize(e.ctx, id, nl.Link.Token); err != nil || p.Label != "client" {
			t.Errorf("the new link at the appointment: %+v %v", p, err)
		}
		if _, err := e.svc.RenewClientLink(e.ctx, e.admin, id, ""); err != nil {
			t.Errorf("an admin renews: %v", err)
		}

		sl, err := e.svc.StartCallLink(e.ctx, e.clinician, id)
		if err != nil || sl.Link.Role != "clinician" || !sl.Expires.Equal(res.ExpiresAt) {
			t.Errorf("start-call link %+v until %v, %v; want the clinician's link until %v", sl.Link, sl.Expires, err, res.ExpiresAt)
		}

		*clk = res.ExpiresAt
		_, err = e.svc.RenewClientLink(e.ctx, e.clinician, id, "")
		wantKind(t, "a session whose time is over", err, app.ErrConflict)
		_, err = e.svc.StartCallLink(e.ctx, e.clinician, id)
		wantKind(t, "starting a call whose time is over", err, app.ErrConflict)
	})
}

// TestRescheduleSession: moving a booked appointment moves its window; the
// links it already has stay valid and follow it (early before the new
// window, in during it); it is audited; a bad time, another clinician and
// a session that has started are refused.
func TestRescheduleSession(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		clk, res, cb := windowEnv(t, e, "client-m")
		id, client := res.Session.ID, tokenOf(t, res, "client")
		later := res.Start.Add(26 * time.Hour)

		_, err := e.svc.RescheduleSession(e.ctx, e.other, id, later, 0)
		wantKind(t, "another clinician", err, app.ErrForbidden)
		_, err = e.svc.RescheduleSession(e.ctx, e.clinician, id, e.now.Add(-time.Hour), 0)
		wantValidation(t, "a time in the past", err, pipeline.FieldAppointmentTime)

		moved, err := e.svc.RescheduleSession(e.ctx, e.clinician, id, later, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if want := later.Add(time.Hour + store.ScheduleGrace); !moved.ExpiresAt.Equal(want) || !moved.Start.Equal(later) {
			t.Errorf("moved to %v until %v; want %v until %v", moved.Start, moved.ExpiresAt, later, want)
		}
		if s, _ := e.st.Session(e.ctx, id); s.ScheduledAt != later.UnixMilli() || s.ScheduledDurationMS != time.Hour.Milliseconds() || s.ExpiresAt != moved.ExpiresAt.UnixMilli() {
			t.Errorf("stored %+v", s)
		}
		if a := e.lastAudit("session.reschedule"); a.Actor != e.clinician.ID || a.Details["from"] != res.Start.UTC().Format(time.RFC3339) || a.Details["scheduled_at"] != later.UTC().Format(time.RFC3339) {
			t.Errorf("audited %+v", a)
		}
		*clk = res.Start // the old time: now early for the new one
		var early *capture.TooEarlyError
		if _, err := cb.Authorize(e.ctx, id, client); !errors.As(err, &early) || !early.Start.Equal(later) {
			t.Errorf("the link at the old time: %v; want early for the new one", err)
		}
		*clk = later.Add(time.Hour + 20*time.Minute) // past the old expiry, inside the new window's grace
		if _, err := cb.Authorize(e.ctx, id, client); err != nil {
			t.Errorf("the link in the new window: %v", err)
		}
		if err := cb.Attendance(e.ctx, id, capture.Participant{ID: "p", Role: "client", Label: "client"}, capture.EventJoin, *clk); err != nil {
			t.Fatal(err)
		}
		if err := e.st.InTx(e.ctx, func(tx *store.Tx) error { return tx.SetSessionStatus(e.ctx, id, store.StatusInCall) }); err != nil {
			t.Fatal(err)
		}
		_, err = e.svc.RescheduleSession(e.ctx, e.clinician, id, later.Add(24*time.Hour), 0)
		wantKind(t, "a session that has started", err, app.ErrConflict)
	})
}
