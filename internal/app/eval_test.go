package app_test

import (
	"errors"
	"testing"

	"github.com/scribe-health/scribe/internal/app"
	"github.com/scribe-health/scribe/internal/eval/gold"
	"github.com/scribe-health/scribe/internal/fakeopenai"
	"github.com/scribe-health/scribe/internal/store"
)

// TestRunEval: an admin's evaluation is audited before any model call and
// scores the named provider; the BAA gate refuses a provider without a BAA
// in force before anything is sent; a provider not allowed Part 2 records
// is not sent the substance-use gold sessions; and a clinician may not run
// one. On SQLite and PostgreSQL.
func TestRunEval(t *testing.T) {
	sessions, err := gold.Load()
	if err != nil {
		t.Fatal(err)
	}
	var mh, sud string
	for _, s := range sessions {
		if s.Part2() && sud == "" {
			sud = s.ID
		}
		if !s.Part2() && mh == "" {
			mh = s.ID
		}
	}
	forEachBackend(t, func(t *testing.T, e *env) {
		fake := fakeopenai.New("unused", "notes")
		defer fake.Close()
		fake.CraftNotes(sessions, gold.Good)
		local := store.Provider{Name: "local", Kind: store.KindOpenAI, BaseURL: fake.BaseURL(), Model: "notes", Use: store.UseDrafting, SelfHosted: true, JSONSchema: true}
		cloud := local
		cloud.Name, cloud.SelfHosted = "cloud", false
		for _, p := range []store.Provider{local, cloud} {
			if _, err := e.svc.PutProvider(e.ctx, e.admin, p); err != nil {
				t.Fatal(err)
			}
		}

		if _, err := e.svc.RunEval(e.ctx, e.clinician, app.EvalInput{Providers: []string{"local"}}); !errors.Is(err, app.ErrForbidden) {
			t.Errorf("a clinician's evaluation: %v, want ErrForbidden", err)
		}
		if _, err := e.svc.RunEval(e.ctx, e.admin, app.EvalInput{Providers: []string{"cloud"}}); !errors.Is(err, app.ErrForbidden) {
			t.Errorf("a provider without a BAA: %v, want ErrForbidden", err)
		}
		if n := fake.Requests(fakeopenai.ChatCompletions); n != 0 {
			t.Fatalf("%d model calls before any evaluation was allowed", n)
		}
		if a := e.lastAudit("eval.run"); a.Outcome != "failure" || a.EntityID != "cloud" || a.Details["refused"] != "baa_gate" {
			t.Errorf("the BAA refusal's audit entry: %+v", a)
		}

		rep, err := e.svc.RunEval(e.ctx, e.admin, app.EvalInput{Providers: []string{"local"}, Sessions: []string{mh, sud}, Runs: 2})
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Summaries) != 1 || rep.Summaries[0].Notes != 2 || rep.Summaries[0].Skipped != 2 || rep.Summaries[0].OmissionRate != 0 {
			t.Errorf("summary %+v: want the mental-health session drafted twice and the Part 2 one skipped twice", rep.Summaries)
		}
		if got := fake.Requests(fakeopenai.ChatCompletions); got != 2 {
			t.Errorf("%d model calls, want 2 (nothing of the Part 2 session)", got)
		}
		a := e.lastAudit("eval.run")
		if a.Actor != e.admin.ID || a.Details["providers"] != "local" || a.Details["runs"] != "2" {
			t.Errorf("audit entry %+v", a)
		}
		if p := fake.Problems(); len(p) > 0 {
			t.Errorf("the fake saw problems: %v", p)
		}
	})
}
