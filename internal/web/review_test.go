package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/testenv"
)

// TestReviewAndSign drives the review page over HTTP on both backends:
// the banner, citations and the re-identified transcript are shown (after
// an audit entry), a section edit is stored de-identified, flags resolve
// with a reason, a wrong password or a missing attestation signs nothing,
// and a signed note is locked, shows its signer and takes addenda.
func TestReviewAndSign(t *testing.T) {
	for _, be := range testenv.Backends {
		t.Run(be.Name, func(t *testing.T) {
			e := newEnv(t, be.URL(t), nil)
			e.addUser("c1@example.org", store.RoleClinician, false)
			sess := e.seedSession("c1@example.org", "mh", store.StatusReady)
			e.seedDraft(sess.ID, 2)
			b := e.client()
			b.login("c1@example.org", "")
			before := len(e.auditActions())
			r := b.get("/sessions/" + sess.ID + "/review")
			if r.status != 200 {
				t.Fatalf("review: %d %s", r.status, errorText(r.body))
			}
			for _, want := range []string{`data-testid="draft-banner">AI-GENERATED DRAFT — NOT REVIEWED OR SIGNED<`, `data-testid="citation"`, `href="#seg-S0003"`,
				`id="seg-S0003" data-testid="transcript-segment"`, "Dana Whitfield", `class="unsupported"`, "Not supported by the transcript", `data-testid="flag-resolve"`, `data-testid="attest"`} {
				if !strings.Contains(r.body, want) {
					t.Errorf("review page lacks %q", want)
				}
			}
			if n := strings.Count(r.body, `data-testid="transcript-segment"`); n != 24 {
				t.Errorf("%d transcript segments shown, want 24", n)
			}
			acts := e.auditActions()
			if len(acts) != before+1 || acts[len(acts)-1] != "draft.read" {
				t.Fatalf("viewing wrote audit %v, want one draft.read", acts[before:])
			}

			// Signing with the high-severity flag open, no override: refused in
			// words for the clinician (no flag code, no command-line text).
			// (Before any edit: an edit checks the flags again, and this
			// session's transcript has no risk language.)
			b.get("/sessions/" + sess.ID + "/review")
			if r := b.post("/sessions/"+sess.ID+"/draft/sign", url.Values{"attest": {"1"}, "credential": {testPassword}}); r.status != http.StatusBadRequest || !strings.Contains(signErrorText(r.body), "Risk not documented") || strings.Contains(signErrorText(r.body), "risk_not_assessed") || strings.Contains(r.body, "--override") {
				t.Fatalf("sign over open flag: %d %q", r.status, signErrorText(r.body))
			}
			// A wrong password with an override reason typed: both the tick and the reason are kept.
			if r := b.post("/sessions/"+sess.ID+"/draft/sign", url.Values{"attest": {"1"}, "override": {"discussed by phone the same day"}, "credential": {"wrong"}}); r.status != http.StatusUnauthorized ||
				!strings.Contains(r.body, `name="override" rows="2">discussed by phone the same day</textarea>`) || !strings.Contains(r.body, `checked>`) {
				t.Fatalf("wrong password with an override: %d %q", r.status, signErrorText(r.body))
			}
			if r := b.post("/sessions/"+sess.ID+"/draft/flags/risk_not_assessed/resolve", url.Values{"reason": {""}}); r.status != http.StatusBadRequest {
				t.Fatalf("resolve without reason: %d", r.status)
			}
			if r := b.post("/sessions/"+sess.ID+"/draft/flags/risk_not_assessed/resolve", url.Values{"reason": {"risk screened verbally, negative"}}); r.status != http.StatusSeeOther {
				t.Fatalf("resolve: %d %s", r.status, errorText(r.body))
			}
			// Autosave of an edit (the script's request) keeps identifiers out of the stored draft.
			req, _ := http.NewRequest("POST", e.srv.URL+"/sessions/"+sess.ID+"/draft/sections/plan", strings.NewReader(url.Values{"text": {"Dana Whitfield will practise breathing daily; next visit Tuesday."}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("X-CSRF-Token", b.csrf)
			req.Header.Set("Accept", "application/json")
			if r := b.do(req); r.status != 200 || !strings.Contains(r.body, `"ok"`) {
				t.Fatalf("autosave: %d %s", r.status, r.body)
			}
			d, _ := e.store.LatestDraft(e.ctx, sess.ID)
			if d.Status != store.DraftEdited || strings.Contains(d.Content, "Whitfield") || !strings.Contains(d.Content, "[NAME_") {
				t.Fatalf("edited draft: status %s, identifiers stored: %v", d.Status, strings.Contains(d.Content, "Whitfield"))
			}
			if r := b.get("/sessions/" + sess.ID + "/review"); !strings.Contains(r.body, "Dana Whitfield will practise breathing daily") {
				t.Fatal("the edit is not shown re-identified")
			}
			// An empty edit is refused and changes nothing.
			if r := b.post("/sessions/"+sess.ID+"/draft/sections/plan", url.Values{"text": {"  "}}); r.status != http.StatusBadRequest || !strings.Contains(r.body, `id="edit-plan-error" role="alert">The new section text is empty; nothing was changed.<`) {
				t.Fatalf("empty edit: %d %s", r.status, errorText(r.body))
			}
			if r := b.post("/sessions/"+sess.ID+"/draft/sections/nosuch", url.Values{"text": {"x"}}); r.status != http.StatusBadRequest || !strings.Contains(r.body, "no section") {
				t.Fatalf("unknown section: %d %s", r.status, errorText(r.body))
			}

			if r := b.post("/sessions/"+sess.ID+"/draft/sign", url.Values{"credential": {testPassword}}); r.status != http.StatusBadRequest || !strings.Contains(r.body, "attestation") {
				t.Fatalf("sign without attestation: %d %s", r.status, errorText(r.body))
			}
			if r := b.post("/sessions/"+sess.ID+"/draft/sign", url.Values{"attest": {"1"}, "credential": {"not my password"}}); r.status != http.StatusUnauthorized {
				t.Fatalf("sign with wrong password: %d", r.status)
			}
			if d, _ := e.store.LatestDraft(e.ctx, sess.ID); d.Status == store.DraftSigned {
				t.Fatal("a refused signature signed the note")
			}
			r = b.post("/sessions/"+sess.ID+"/draft/sign", url.Values{"attest": {"1"}, "credential": {testPassword}})
			if r.status != http.StatusSeeOther {
				t.Fatalf("sign: %d %s", r.status, errorText(r.body))
			}
			r = b.get("/sessions/" + sess.ID + "/review")
			if !strings.Contains(r.body, `data-testid="signed-by">Reviewed and signed by c1@example.org on `) || strings.Contains(r.body, "draft-banner") ||
				strings.Contains(r.body, "section-edit") || strings.Contains(r.body, `data-testid="sign"`) {
				t.Fatal("the signed note is not shown locked with its signer")
			}
			if r := b.post("/sessions/"+sess.ID+"/draft/sections/plan", url.Values{"text": {"changed after signing"}}); r.status != http.StatusConflict || !strings.Contains(r.body, "addendum") {
				t.Fatalf("edit after signing: %d %s", r.status, errorText(r.body))
			}
			if r := b.post("/sessions/"+sess.ID+"/draft/addenda", url.Values{"text": {"Client called the next day; Dana Whitfield confirmed the plan."}}); r.status != http.StatusSeeOther {
				t.Fatalf("addendum: %d %s", r.status, errorText(r.body))
			}
			if r := b.get("/sessions/" + sess.ID + "/review"); !strings.Contains(r.body, "Addendum by c1@example.org") || !strings.Contains(r.body, "Dana Whitfield confirmed") {
				t.Fatal("the addendum is not shown")
			}
			// Version history diff (one version: an empty diff page still renders).
			if r := b.get("/sessions/" + sess.ID + "/versions"); r.status != 200 || !strings.Contains(r.body, `data-testid="diff"`) {
				t.Fatalf("versions: %d", r.status)
			}
			// No audio kept for this session: the player is absent and the endpoint says why.
			if r := b.get("/sessions/" + sess.ID + "/audio?seg=S0001"); r.status != http.StatusGone {
				t.Fatalf("audio without chunks: %d", r.status)
			}
			acts = e.auditActions()
			for _, a := range []string{"draft.edit", "draft.flag_resolve", "draft.sign", "draft.addendum", "auth.login_failed"} {
				if !contains(acts, a) {
					t.Errorf("audit has no %s", a)
				}
			}
		})
	}
}

func TestLineDiff(t *testing.T) {
	got := lineDiff([]string{"## Plan", "a", "b", "c"}, []string{"## Plan", "a", "x", "c", "d"})
	var ops string
	for _, d := range got {
		ops += d.Op
	}
	if ops != "==-+=+" && ops != "==+-=+" {
		t.Fatalf("diff ops %q (%v)", ops, got)
	}
}

func TestDeidentify(t *testing.T) {
	m := map[string]string{"[NAME_1]": "Dana Whitfield", "[NAME_2]": "Dana", "[LOCATION_1]": "Springfield"}
	got := deidentify("Dana Whitfield moved to Springfield; Dana agreed.", m)
	if got != "[NAME_1] moved to [LOCATION_1]; [NAME_2] agreed." {
		t.Fatalf("deidentify = %q", got)
	}
}
