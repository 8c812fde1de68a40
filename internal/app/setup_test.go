package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/scribe-health/scribe/internal/app"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/testenv"
	"github.com/scribe-health/scribe/internal/vocab"
)

// TestSetupProgress: each first-run step is read from the data it makes —
// providers of both uses, a saved retention policy, a user who is not an
// admin — on a fresh SQLite and a fresh PostgreSQL store.
func TestSetupProgress(t *testing.T) {
	for _, b := range testenv.Backends {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			st, err := store.Open(ctx, store.Options{DatabaseURL: b.URL(t), DataDir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			svc := &app.Service{Store: st, Now: time.Now}
			op := app.Operator("cli:test")
			nu, err := svc.AddUser(ctx, op, app.UserInput{Email: "admin@example.org", Role: string(vocab.RoleAdmin)})
			if err != nil {
				t.Fatal(err)
			}
			admin := nu.User
			progress := func() app.SetupProgress {
				t.Helper()
				p, err := svc.SetupProgress(ctx, admin)
				if err != nil {
					t.Fatal(err)
				}
				return p
			}
			if p := progress(); p != (app.SetupProgress{}) || p.Done() {
				t.Fatalf("a fresh install shows steps done: %+v", p)
			}
			admin.TOTPEnabled = true
			if p := progress(); !p.SecondFactor || p.Done() {
				t.Fatalf("after the second factor: %+v", p)
			}

			tr := store.Provider{Name: "speech", Kind: store.KindOpenAI, BaseURL: "http://gpu-box:8000/v1", Model: "whisper", Use: store.UseTranscription, SelfHosted: true}
			if _, err := svc.PutProvider(ctx, admin, tr); err != nil {
				t.Fatal(err)
			}
			if p := progress(); !p.Transcription || p.Drafting || p.Providers() {
				t.Fatalf("one provider counts as both: %+v", p)
			}
			dr := tr
			dr.Name, dr.Model, dr.Use = "notes", "llama", store.UseDrafting
			if _, err := svc.PutProvider(ctx, admin, dr); err != nil {
				t.Fatal(err)
			}
			if p := progress(); !p.Providers() || p.Retention || p.Done() {
				t.Fatalf("after both providers: %+v", p)
			}

			// Saving the policy as shipped still counts: the admin chose it.
			if _, err := svc.SetPolicy(ctx, admin, app.PolicyInput{PurgeAudioAfterTranscription: true, AudioDays: 30}); err != nil {
				t.Fatal(err)
			}
			if p := progress(); !p.Retention || p.Clinician {
				t.Fatalf("after the policy: %+v", p)
			}

			// A second admin is not the first clinician.
			if _, err := svc.AddUser(ctx, admin, app.UserInput{Email: "admin2@example.org", Role: string(vocab.RoleAdmin)}); err != nil {
				t.Fatal(err)
			}
			if p := progress(); p.Clinician {
				t.Fatalf("a second admin counted as a clinician: %+v", p)
			}
			nc, err := svc.AddUser(ctx, admin, app.UserInput{Email: "therapist@example.org", Role: string(vocab.RoleClinician)})
			if err != nil {
				t.Fatal(err)
			}
			if p := progress(); !p.Clinician || !p.Done() {
				t.Fatalf("every step done but: %+v", p)
			}

			// Disabling the only clinician re-opens the step: nothing is cached.
			if _, err := svc.UpdateUser(ctx, admin, app.UserUpdate{UserID: nc.User.ID, Change: app.ChangeDisable}); err != nil {
				t.Fatal(err)
			}
			if p := progress(); p.Clinician || p.Done() {
				t.Fatalf("a disabled clinician still counts: %+v", p)
			}

			clin := store.User{ID: "c", Role: store.RoleClinician}
			if _, err := svc.SetupProgress(ctx, clin); err == nil {
				t.Error("a clinician may read the set-up steps")
			}
		})
	}
}
