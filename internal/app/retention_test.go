package app_test

import (
	"testing"

	"github.com/scribe-health/scribe/internal/app"
	"github.com/scribe-health/scribe/internal/auth"
)

func TestRetentionPolicy(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		p, err := e.svc.SetPolicy(e.ctx, e.admin, app.PolicyInput{AudioDays: 14, TranscriptDays: 365, SecondFactorRoles: []string{"Clinician"}})
		if err != nil || p.AudioDays != 14 || p.PurgeAudioAfterTranscription || p.UpdatedBy != e.admin.Email {
			t.Fatalf("%+v %v", p, err)
		}
		if got, _ := e.st.RetentionPolicy(e.ctx); got.TranscriptDays != 365 {
			t.Errorf("stored %+v", got)
		}
		if v, _ := e.st.Setting(e.ctx, auth.SettingTOTPRoles, ""); v != "admin,clinician" {
			t.Errorf("second-factor roles %q", v)
		}
		if a := e.lastAudit("policy.update"); a.Actor != e.admin.ID || a.Details["audio_days"] != "14" {
			t.Errorf("audit %+v", a)
		}
		_, err = e.svc.SetPolicy(e.ctx, e.admin, app.PolicyInput{AudioDays: 0})
		wantValidation(t, "audio kept for ever", err, app.FieldAudioDays)
		_, err = e.svc.SetPolicy(e.ctx, e.admin, app.PolicyInput{PurgeAudioAfterTranscription: true, AudioDays: -3})
		wantValidation(t, "negative audio days", err, app.FieldAudioDays)
		_, err = e.svc.SetPolicy(e.ctx, e.admin, app.PolicyInput{PurgeAudioAfterTranscription: true, TranscriptDays: 99999})
		wantValidation(t, "a century and more", err, app.FieldTranscriptDays)
		_, err = e.svc.SetPolicy(e.ctx, e.admin, app.PolicyInput{PurgeAudioAfterTranscription: true, SecondFactorRoles: []string{"owner"}})
		wantValidation(t, "an unknown role", err, app.FieldSecondFactorRoles)
		_, err = e.svc.SetPolicy(e.ctx, e.clinician, app.PolicyInput{PurgeAudioAfterTranscription: true})
		wantKind(t, "a clinician", err, app.ErrForbidden)
		if got, _ := e.st.RetentionPolicy(e.ctx); got.AudioDays != 14 {
			t.Errorf("a refused change changed the policy: %+v", got)
		}
	})
}

func TestLegalHold(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		sess := e.schedule("client-1")
		wantValidation(t, "a hold without a reason", e.svc.SetLegalHold(e.ctx, e.clinician, sess.ID, true, " "), app.FieldHoldReason)
		wantKind(t, "another clinician", e.svc.SetLegalHold(e.ctx, e.other, sess.ID, true, "matter 7"), app.ErrForbidden)
		wantKind(t, "no such session", e.svc.SetLegalHold(e.ctx, e.admin, "nope", true, "matter 7"), app.ErrNotFound)
		if err := e.svc.SetLegalHold(e.ctx, e.clinician, sess.ID, true, "matter 7"); err != nil {
			t.Fatal(err)
		}
		if held, reason, _ := e.st.LegalHold(e.ctx, sess.ID); !held || reason != "matter 7" {
			t.Errorf("hold %v %q", held, reason)
		}
		if a := e.lastAudit("legal_hold.hold"); a.Actor != e.clinician.ID {
			t.Errorf("audited as %q", a.Actor)
		}
		if err := e.svc.SetLegalHold(e.ctx, e.admin, sess.ID, false, ""); err != nil {
			t.Fatal(err)
		}
		if held, _, _ := e.st.LegalHold(e.ctx, sess.ID); held {
			t.Error("the hold was not lifted")
		}
	})
}
