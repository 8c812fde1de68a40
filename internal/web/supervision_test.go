package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/testenv"
	"github.com/scribe-health/scribe/summarize"
)

// TestSupervisionInTheWebApp: an admin makes a supervisor responsible for
// an associate; the associate signs and the review page says the note
// waits; the supervisor finds it in their queue, returns it with a
// comment the associate then reads; the associate edits and signs again;
// a wrong password does not co-sign; the supervisor co-signs and both
// signatures show.
func TestSupervisionInTheWebApp(t *testing.T) {
	e := newEnv(t, testenv.Backends[0].URL(t), nil)
	admin := e.addUser("admin@example.org", store.RoleAdmin, false)
	assoc := e.addUser("associate@example.org", store.RoleClinician, false)
	sup := e.addUser("supervisor@example.org", store.RoleSupervisor, false)
	sess := e.seedSession(assoc.Email, "mh", store.StatusReady)
	e.seedDraft(sess.ID, 1)

	ab := e.client()
	ab.login(admin.Email, e.enableTOTP(admin))
	if p := ab.get("/admin/supervision"); !strings.Contains(p.body, `<option value="supervisor@example.org"`) {
		t.Fatal("the supervision page offers no supervisor")
	}
	if r := ab.post("/admin/supervision", url.Values{"clinician": {assoc.Email}, "supervisor": {"nobody@example.org"}}); r.status != http.StatusBadRequest || !strings.Contains(r.body, "is not an active supervisor") {
		t.Fatalf("an unknown supervisor: %d %s", r.status, errorText(r.body))
	}
	if r := ab.post("/admin/supervision", url.Values{"clinician": {assoc.Email}, "supervisor": {sup.Email}}); r.status != http.StatusSeeOther {
		t.Fatalf("assign: %d %s", r.status, errorText(r.body))
	}

	cb := e.client()
	cb.login(assoc.Email, "")
	cb.post("/sessions/"+sess.ID+"/draft/flags/"+summarize.FlagRiskNotAssessed+"/resolve", url.Values{"reason": {"assessed"}})
	sign := func() {
		t.Helper()
		if r := cb.post("/sessions/"+sess.ID+"/draft/sign", url.Values{"attest": {"1"}, "credential": {testPassword}}); r.status != http.StatusSeeOther {
			t.Fatalf("sign: %d %q", r.status, signErrorText(r.body))
		}
	}
	sign()
	if p := cb.get("/sessions/" + sess.ID + "/review"); !strings.Contains(p.body, `data-testid="awaiting-cosign"`) || strings.Contains(p.body, `data-testid="cosign-form"`) || strings.Contains(p.body, `action="/sessions/`+sess.ID+`/draft/sign"`) {
		t.Fatal("the associate's review page does not show the note waiting (or offers co-signing or signing)")
	}
	if r := cb.post("/sessions/"+sess.ID+"/draft/cosign", url.Values{"attest": {"1"}, "credential": {testPassword}}); r.status != http.StatusForbidden {
		t.Fatalf("the associate co-signing: %d", r.status)
	}

	sb := e.client()
	sb.login(sup.Email, "")
	if q := sb.get("/supervision"); !strings.Contains(q.body, "/sessions/"+sess.ID+"/review") {
		t.Fatal("the note is not in the supervisor's queue")
	}
	if p := sb.get("/sessions/" + sess.ID + "/review"); !strings.Contains(p.body, `data-testid="cosign-form"`) || !strings.Contains(p.body, `data-testid="return-form"`) {
		t.Fatal("the supervisor is not offered co-signing and returning")
	}
	if r := sb.post("/sessions/"+sess.ID+"/draft/return", url.Values{"comment": {"Name the homework in the plan."}}); r.status != http.StatusSeeOther {
		t.Fatalf("return: %d %s", r.status, errorText(r.body))
	}
	if p := cb.get("/sessions/" + sess.ID + "/review"); !strings.Contains(p.body, "Name the homework in the plan.") || !strings.Contains(p.body, `action="/sessions/`+sess.ID+`/draft/sign"`) {
		t.Fatal("the associate does not see the comment, or cannot sign again")
	}
	sign()
	if r := sb.post("/sessions/"+sess.ID+"/draft/cosign", url.Values{"attest": {"1"}, "credential": {"wrong"}}); r.status != http.StatusUnauthorized || !strings.Contains(r.body, `data-testid="cosign-error"`) {
		t.Fatalf("a wrong password: %d", r.status)
	}
	if r := sb.post("/sessions/"+sess.ID+"/draft/cosign", url.Values{"attest": {"1"}, "credential": {testPassword}}); r.status != http.StatusSeeOther {
		t.Fatalf("co-sign: %d %s", r.status, errorText(r.body))
	}
	p := cb.get("/sessions/" + sess.ID + "/review")
	if !strings.Contains(p.body, `data-testid="signed-by"`) || !strings.Contains(p.body, `data-testid="cosigned-by">Co-signed by supervisor supervisor@example.org`) {
		t.Fatal("the final note does not show both signatures")
	}
	if q := sb.get("/supervision"); !strings.Contains(q.body, `data-testid="cosign-queue-empty"`) {
		t.Error("the co-signed note stays in the queue")
	}
}
