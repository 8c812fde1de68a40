package app_test

import (
	"strings"
	"testing"
	"time"

	"github.com/scribe-health/scribe/internal/app"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/summarize"
)

// TestBriefFromSignedNotesOnly (must show, #17): the brief before a
// session draws only on the client's signed notes — an unsigned draft is
// absent — each line naming the note it came from; a Part 2 client's brief
// is for its program staff only: a care-team clinician without Part 2
// access gets no brief (nor the session), the program clinician gets the
// Part 2 note's lines.
func TestBriefFromSignedNotesOnly(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		signAs := func(u store.User, s store.Session) {
			t.Helper()
			if _, err := e.svc.ResolveFlag(e.ctx, u, s.ID, summarize.FlagRiskNotAssessed, "assessed"); err != nil {
				t.Fatal(err)
			}
			if _, err := e.svc.Sign(e.ctx, u, app.Signature{SessionID: s.ID, Attest: true}); err != nil {
				t.Fatal(err)
			}
		}
		// A mental-health client: one signed note, one unsigned draft, today's session.
		past := e.schedule("client-1")
		e.withDraft(past)
		signAs(e.clinician, past)
		pending := e.schedule("client-1")
		e.withDraft(pending)
		if _, err := e.svc.EditSection(e.ctx, e.clinician, app.DraftEdit{SessionID: pending.ID, Section: "plan", Text: "UNSIGNED-PLAN-MARKER"}); err != nil {
			t.Fatal(err)
		}
		today := e.schedule("client-1")
		b, err := e.svc.ClientBrief(e.ctx, e.clinician, today.ID)
		if err != nil {
			t.Fatal(err)
		}
		if b.Notes != 1 || len(b.Lines) == 0 {
			t.Fatalf("brief: %+v", b)
		}
		for _, l := range b.Lines {
			if l.SessionID != past.ID || strings.Contains(l.Text, "UNSIGNED-PLAN-MARKER") {
				t.Errorf("a line from %s (%q); only the signed note %s may be used", l.SessionID, l.Text, past.ID)
			}
		}
		topics := map[string]bool{}
		for _, tp := range b.Topics() {
			topics[tp.Name] = true
		}
		if !topics["Presenting concerns"] || !topics["Homework and plan for today"] {
			t.Errorf("topics %v", topics)
		}

		// A Part 2 client, run by the program clinician; the other clinician
		// is on its care team but has no Part 2 access.
		res, err := e.svc.ScheduleSession(e.ctx, e.part2, app.ScheduleInput{ClientAlias: "client-p2", Program: "sud", Start: e.now.Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		e.withDraft(res.Session)
		signAs(e.part2, res.Session)
		next, err := e.svc.ScheduleSession(e.ctx, e.part2, app.ScheduleInput{ClientAlias: "client-p2", Program: "sud", Start: e.now.Add(2 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		b, err = e.svc.ClientBrief(e.ctx, e.part2, next.Session.ID)
		if err != nil || b.Notes != 1 || b.Lines[0].SessionID != res.Session.ID {
			t.Fatalf("the program clinician's brief: %+v %v", b, err)
		}
		for _, u := range []store.User{e.clinician, e.supervisor} {
			if b, err := e.svc.ClientBrief(e.ctx, u, next.Session.ID); err == nil || len(b.Lines) != 0 {
				t.Errorf("%s without Part 2 access got a Part 2 client's brief: %+v", u.Email, b)
			}
		}
	})
}
