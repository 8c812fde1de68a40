package app_test

import (
	"slices"
	"testing"

	"github.com/scribe-health/scribe/internal/app"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/vocab"
)

func TestConsent(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		sess := e.schedule("client-1")
		good := app.ConsentInput{SessionID: sess.ID, Scope: "AI_Scribe", Method: "written", Granted: true, Signature: "ink"}

		t.Run("validation", func(t *testing.T) {
			in := good
			in.Scope = "everything"
			_, err := e.svc.AddConsent(e.ctx, e.clinician, in)
			if ve := wantValidation(t, "an unknown scope", err, vocab.FieldConsentScope); len(ve.Allowed) != 3 {
				t.Errorf("allowed %v", ve.Allowed)
			}
			in = good
			in.Method = "telepathy"
			_, err = e.svc.AddConsent(e.ctx, e.clinician, in)
			wantValidation(t, "an unknown method", err, app.FieldConsentMethod)
			in = good
			in.SessionID = ""
			_, err = e.svc.AddConsent(e.ctx, e.clinician, in)
			wantValidation(t, "no session or client", err, app.FieldConsentSubject)
			in = good
			in.Scope, in.Signature = "part2_tpo", ""
			_, err = e.svc.AddConsent(e.ctx, e.clinician, in)
			ve := wantValidation(t, "an incomplete Part 2 consent", err, app.FieldConsent)
			for _, want := range []string{"date of signature missing", "who may disclose missing", "purpose missing", "expiry date or event missing"} {
				if !slices.Contains(ve.Problems, want) {
					t.Errorf("problems %q lack %q", ve.Problems, want)
				}
			}
			in = good
			in.TextVersion = "1999-01"
			_, err = e.svc.AddConsent(e.ctx, e.clinician, in)
			wantValidation(t, "a text version not on file", err, app.FieldConsentText)
			if recs, _ := e.st.ConsentRecords(e.ctx, store.ConsentFilter{SessionID: sess.ID, ClientID: sess.ClientID}); len(recs) != 0 {
				t.Errorf("refused consents were stored: %d", len(recs))
			}
		})
		t.Run("forbidden and not found", func(t *testing.T) {
			_, err := e.svc.AddConsent(e.ctx, e.other, good)
			wantKind(t, "another clinician's session", err, app.ErrForbidden)
			in := good
			in.SessionID, in.Client = "", "nobody-known"
			_, err = e.svc.AddConsent(e.ctx, e.clinician, in)
			wantKind(t, "an unknown client", err, app.ErrNotFound)
			_, err = e.svc.RevokeConsent(e.ctx, e.clinician, app.Revocation{ConsentID: "no-such-consent", Method: "written"})
			wantKind(t, "no such consent", err, app.ErrNotFound)
		})
		t.Run("add and revoke", func(t *testing.T) {
			rec, err := e.svc.AddConsent(e.ctx, e.clinician, good)
			if err != nil || rec.Scope != "ai_scribe" || rec.CapturedBy != e.clinician.Email || rec.ClientID != sess.ClientID || rec.SignedAt == 0 {
				t.Fatalf("add: %+v %v", rec, err)
			}
			if a := e.lastAudit("consent.add"); a.Actor != e.clinician.ID {
				t.Errorf("audited as %q", a.Actor)
			}
			_, err = e.svc.RevokeConsent(e.ctx, e.clinician, app.Revocation{ConsentID: rec.ID, Method: "by pigeon"})
			wantValidation(t, "an unknown revocation method", err, app.FieldRevokeMethod)
			_, err = e.svc.RevokeConsent(e.ctx, e.other, app.Revocation{ConsentID: rec.ID, Method: "written"})
			wantKind(t, "a clinician outside the care team", err, app.ErrNotFound)
			other := e.schedule("client-2")
			_, err = e.svc.RevokeConsent(e.ctx, e.clinician, app.Revocation{ConsentID: rec.ID, SessionID: other.ID, Method: "written"})
			wantKind(t, "a consent of another session", err, app.ErrNotFound)
			r, err := e.svc.RevokeConsent(e.ctx, e.clinician, app.Revocation{ConsentID: rec.ID, SessionID: sess.ID, Method: "Written"})
			if err != nil || r.RevokedBy != e.clinician.Email || r.RevokeMethod != "written" {
				t.Fatalf("revoke: %+v %v", r, err)
			}
			if a := e.lastAudit("consent.revoke"); a.Actor != e.clinician.ID {
				t.Errorf("audited as %q", a.Actor)
			}
			_, err = e.svc.RevokeConsent(e.ctx, e.clinician, app.Revocation{ConsentID: rec.ID, Method: "written"})
			wantKind(t, "a second revocation", err, app.ErrConflict)
		})
	})
}
