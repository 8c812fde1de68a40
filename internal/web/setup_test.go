package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/scribe-health/scribe/internal/auth"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/testenv"
)

// TestSetupWizardForms drives the wizard's forms over HTTP on SQLite and
// PostgreSQL: the admin's home shows "Finish setting up Scribe" and a
// clinician's never does; a refused provider or invitation comes back to
// the wizard with the error and what was typed, and saves nothing; the
// wizard's retention form leaves the second-factor policy as it was; each
// saved step moves on and shows done; a clinician cannot open the wizard.
func TestSetupWizardForms(t *testing.T) {
	for _, be := range testenv.Backends {
		t.Run(be.Name, func(t *testing.T) {
			e := newEnv(t, be.URL(t), nil)
			admin := e.addUser("admin@example.org", store.RoleAdmin, false)
			b := e.client()
			b.login(admin.Email, e.enableTOTP(admin))
			if err := e.store.InTx(e.ctx, func(tx *store.Tx) error { return tx.PutSetting(e.ctx, auth.SettingTOTPRoles, "admin,clinician") }); err != nil {
				t.Fatal(err)
			}

			if r := b.get("/sessions"); !strings.Contains(r.body, `data-testid="setup-banner"`) {
				t.Fatalf("a fresh admin home has no set-up banner: %d %s", r.status, errorText(r.body))
			}
			if r := b.get("/admin/setup"); r.status != http.StatusOK || !strings.Contains(r.body, `data-testid="setup-provider-save"`) {
				t.Fatalf("the wizard does not open on the providers step: %d %s", r.status, errorText(r.body))
			}

			// A provider without a model: the wizard again, with the error
			// beside what was typed; nothing saved.
			r := b.post("/admin/providers", url.Values{"from": {"setup"}, "name": {"speech"}, "kind": {"openai"}, "use": {"transcription"},
				"base_url": {"http://gpu-box:8000/v1"}, "self_hosted": {"1"}})
			if r.status != http.StatusBadRequest || !strings.Contains(r.body, `data-testid="setup-provider-save"`) ||
				!strings.Contains(r.body, `value="http://gpu-box:8000/v1"`) || !strings.Contains(r.body, `value="speech"`) || errorText(r.body) == "" {
				t.Fatalf("refused provider: %d %q", r.status, errorText(r.body))
			}
			if ps, _ := e.store.Providers(e.ctx, ""); len(ps) != 0 {
				t.Fatalf("a refused provider was saved: %+v", ps)
			}
			for _, p := range [][2]string{{"speech", "transcription"}, {"notes", "drafting"}} {
				r = b.post("/admin/providers", url.Values{"from": {"setup"}, "name": {p[0]}, "kind": {"openai"}, "use": {p[1]}, "model": {"m"},
					"base_url": {"http://gpu-box:8000/v1"}, "self_hosted": {"1"}})
				if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/admin/setup?step=providers&") {
					t.Fatalf("save provider %s: %d → %q %s", p[0], r.status, r.location, errorText(r.body))
				}
			}
			if r := b.get("/admin/setup"); !strings.Contains(r.body, `data-testid="setup-retention-save"`) {
				t.Fatalf("with both providers the wizard does not go on to retention: %s", errorText(r.body))
			}

			r = b.post("/admin/policy", url.Values{"from": {"setup"}, "retention_audio": {"after_transcription"}, "audio_days": {"30"}, "transcript_days": {"90"}, "keep_totp_roles": {"1"}})
			if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/admin/setup?step=invite&") {
				t.Fatalf("save retention: %d → %q %s", r.status, r.location, errorText(r.body))
			}
			if roles, _ := e.store.Setting(e.ctx, auth.SettingTOTPRoles, ""); roles != "admin,clinician" {
				t.Errorf("the wizard's retention form changed the second-factor policy to %q", roles)
			}
			if pol, _ := e.store.RetentionPolicy(e.ctx); pol.TranscriptDays != 90 || pol.UpdatedAt == 0 {
				t.Errorf("policy %+v", pol)
			}

			r = b.post("/admin/users", url.Values{"from": {"setup"}, "email": {"not an address"}, "role": {"clinician"}})
			if r.status != http.StatusBadRequest || !strings.Contains(r.body, `value="not an address"`) || !strings.Contains(r.body, `data-testid="setup-invite-submit"`) {
				t.Fatalf("refused invitation: %d %q", r.status, errorText(r.body))
			}
			if r := b.get("/sessions"); !strings.Contains(r.body, `data-testid="setup-banner"`) {
				t.Fatal("the banner left before the last step was done")
			}
			r = b.post("/admin/users", url.Values{"from": {"setup"}, "email": {"therapist@example.org"}, "role": {"clinician"}})
			if r.status != http.StatusCreated || !strings.Contains(r.body, `data-testid="setup-invite-link"`) || !strings.Contains(r.body, `data-testid="setup-step-invite" data-done="true"`) {
				t.Fatalf("invitation: %d %q", r.status, errorText(r.body))
			}
			if r := b.get("/sessions"); strings.Contains(r.body, `data-testid="setup-banner"`) {
				t.Fatal("the banner stays with every step done")
			}
			if r := b.get("/admin/setup"); !strings.Contains(r.body, `data-testid="setup-complete"`) {
				t.Fatalf("the wizard does not say it is done: %s", errorText(r.body))
			}

			if err := e.store.InTx(e.ctx, func(tx *store.Tx) error { return tx.PutSetting(e.ctx, auth.SettingTOTPRoles, "admin") }); err != nil {
				t.Fatal(err)
			}
			clin := e.addUser("c@example.org", store.RoleClinician, false)
			cb := e.client()
			cb.login(clin.Email, "")
			if r := cb.get("/sessions"); strings.Contains(r.body, `data-testid="setup-banner"`) {
				t.Error("a clinician sees the set-up banner")
			}
			if r := cb.get("/admin/setup"); r.status != http.StatusForbidden {
				t.Errorf("a clinician opened the wizard: %d", r.status)
			}
		})
	}
}
