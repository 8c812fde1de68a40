package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/scribe-health/scribe/internal/store"
)

// TestRetentionPolicyPage: the admin page edits the one retention policy the
// purge jobs and the sweep obey; bad input changes nothing.
func TestRetentionPolicyPage(t *testing.T) {
	e := newEnv(t, "", nil)
	admin := e.addUser("admin@example.org", store.RoleAdmin, false)
	secret := e.enableTOTP(admin)
	b := e.client()
	b.login(admin.Email, secret)
	p := b.get("/admin/policy")
	if p.status != http.StatusOK || !strings.Contains(p.body, "Delete each chunk as soon as it is transcribed") {
		t.Fatalf("policy page: %d", p.status)
	}
	r := b.post("/admin/policy", url.Values{"retention_audio": {"days"}, "audio_days": {"14"}, "transcript_days": {"365"}, "totp_roles": {"clinician"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("save: %d %s", r.status, errorText(r.body))
	}
	got, err := e.store.RetentionPolicy(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got.PurgeAudioAfterTranscription || got.AudioDays != 14 || got.TranscriptDays != 365 || got.UpdatedBy != admin.Email {
		t.Fatalf("stored policy: %+v", got)
	}
	b.get("/admin/policy")
	if r := b.post("/admin/policy", url.Values{"retention_audio": {"days"}, "audio_days": {"0"}}); r.status != http.StatusBadRequest {
		t.Fatalf("keeping audio for 0 days accepted: %d", r.status)
	}
	if again, _ := e.store.RetentionPolicy(e.ctx); again.AudioDays != 14 {
		t.Fatalf("a refused save changed the policy: %+v", again)
	}
	b.get("/admin/policy")
	if r := b.post("/admin/policy", url.Values{"retention_audio": {"after_transcription"}, "audio_days": {"30"}}); r.status != http.StatusSeeOther {
		t.Fatalf("save: %d", r.status)
	}
	if again, _ := e.store.RetentionPolicy(e.ctx); !again.PurgeAudioAfterTranscription || again.AudioDays != 30 || again.TranscriptDays != 0 {
		t.Fatalf("policy: %+v", again)
	}
	if !contains(e.auditActions(), "policy.update") {
		t.Fatal("policy change not audited")
	}
}
