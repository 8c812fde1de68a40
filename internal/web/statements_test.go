package web

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/scribe-health/scribe/drafts"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/testenv"
	"github.com/scribe-health/scribe/summarize"
)

var signErrRe = regexp.MustCompile(`(?s)data-testid="sign-error">(.*?)</p>`)

// signErrorText is the error the sign panel shows beside its field.
func signErrorText(body string) string {
	if m := signErrRe.FindStringSubmatch(body); m != nil {
		return html.UnescapeString(m[1])
	}
	return ""
}

var stmtRe = regexp.MustCompile(`(?s)<li id="st-([a-z]+)-(\d+)"[^>]*data-testid="statement"[^>]*>(.*?)</li>`)

// statementsOf lists the review page's statements: section/index → the
// statement's markup.
func statementsOf(body string) map[string]string {
	out := map[string]string{}
	for _, m := range stmtRe.FindAllStringSubmatch(body, -1) {
		out[m[1]+"/"+m[2]] = m[3]
	}
	return out
}

var citeRe = regexp.MustCompile(`data-testid="citation"`)

// TestReviewStatementsFlagsAndSign drives the review page over HTTP on
// both backends: the flag summary at the top counts and points at each
// flag's place; one statement is edited (the others keep their citations,
// the edited one is marked and keeps its own); writing the missing risk
// statement clears the risk flag; a wrong password re-renders the page
// with the error beside the field and the attestation and override kept;
// the note signs; Copy gives exactly the paste-ready text with the
// organisation's AI-assistance statement.
func TestReviewStatementsFlagsAndSign(t *testing.T) {
	for _, be := range testenv.Backends {
		t.Run(be.Name, func(t *testing.T) {
			e := newEnv(t, be.URL(t), nil)
			e.addUser("c1@example.org", store.RoleClinician, false)
			adminSecret := e.enableTOTP(e.addUser("admin@example.org", store.RoleAdmin, false))
			sess := e.seedSession("c1@example.org", "mh", store.StatusReady)
			dr, _ := e.seedDraft(sess.ID, 1)
			// This transcript has risk language the note does not document.
			if err := e.store.InTx(e.ctx, func(tx *store.Tx) error {
				fl := `[{"code":"risk_not_assessed","severity":"high","segment":"S0003","reason":"risk language in 1 segment(s) (first S0003) but the note has no supported risk assessment"},{"code":"unsupported_statements","severity":"medium","reason":"1 of 5 statements lack support"}]`
				dr.Flags = fl
				return tx.UpdateDraft(e.ctx, &dr)
			}); err != nil {
				t.Fatal(err)
			}
			addRiskLanguage(t, e, sess.ID)

			// The organisation's AI-assistance statement, set by an admin.
			const org = "This note was drafted with AI assistance and reviewed, edited and signed by the clinician."
			a := e.client()
			a.login("admin@example.org", adminSecret)
			a.get("/admin/ai-statement")
			if r := a.post("/admin/ai-statement", url.Values{"statement": {"  "}}); r.status != http.StatusBadRequest || !strings.Contains(r.body, "field-error") {
				t.Fatalf("empty statement: %d %s", r.status, errorText(r.body))
			}
			if r := a.post("/admin/ai-statement", url.Values{"statement": {org}}); r.status != http.StatusSeeOther {
				t.Fatalf("save statement: %d %s", r.status, errorText(r.body))
			}

			b := e.client()
			b.login("c1@example.org", "")
			r := b.get("/sessions/" + sess.ID + "/review")
			top := r.body[:strings.Index(r.body, `id="note-h"`)]
			if !strings.Contains(top, `data-testid="flag-counts">1 high, 1 medium<`) || !strings.Contains(top, `href="#sec-risk" class="flag-jump"`) ||
				!strings.Contains(top, `href="#st-objective-0" class="flag-jump"`) || !strings.Contains(top, "Risk not documented") ||
				!strings.Contains(top, `<a href="#seg-S0003" class="cite" data-seg="S0003">in the transcript</a>`) {
				t.Fatalf("the flag summary is not at the top with counts and places:\n%s", top)
			}
			if !strings.Contains(r.body, `id="sec-risk"`) {
				t.Fatal("the risk section the flag points at is not on the page")
			}
			before := statementsOf(r.body)
			ref := regexp.MustCompile(`action="/sessions/` + sess.ID + `/draft/sections/subjective/statements/0"[^>]*>\s*<input type="hidden" name="csrf" value="[^"]+">\s*<input type="hidden" name="expect" value="([0-9a-f]+)">`).FindStringSubmatch(r.body)
			if ref == nil {
				t.Fatal("no statement edit form with its reference")
			}

			// Edit one sentence.
			r = b.post("/sessions/"+sess.ID+"/draft/sections/subjective/statements/0", url.Values{"expect": {ref[1]}, "text": {"Client reports sleeping better on most nights."}})
			if r.status != http.StatusSeeOther || !strings.HasSuffix(r.location, "#st-subjective-0") {
				t.Fatalf("statement edit: %d %s %s", r.status, r.location, errorText(r.body))
			}
			r = b.get("/sessions/" + sess.ID + "/review")
			after := statementsOf(r.body)
			for k, v := range before {
				if k == "subjective/0" {
					continue
				}
				if len(citeRe.FindAllString(after[k], -1)) != len(citeRe.FindAllString(v, -1)) || strings.Contains(after[k], "edited-mark") {
					t.Errorf("statement %s changed: %s", k, after[k])
				}
			}
			if s := after["subjective/0"]; !strings.Contains(s, "on most nights.") || !strings.Contains(s, `data-testid="edited-mark">edited by clinician<`) ||
				len(citeRe.FindAllString(s, -1)) != len(citeRe.FindAllString(before["subjective/0"], -1)) {
				t.Fatalf("edited statement: %s", s)
			}
			// The same edit again, against the old text: refused, nothing
			// changes; the page shows the form open with the typed words and
			// the error beside it.
			r = b.post("/sessions/"+sess.ID+"/draft/sections/subjective/statements/0", url.Values{"expect": {ref[1]}, "text": {"Other words."}})
			if r.status != http.StatusBadRequest || !regexp.MustCompile(`(?s)<details class="st-edit noprint" open>.*?aria-invalid="true"[^>]*>Other words\.</textarea>\s*<p class="field-error" id="st-subjective-0-error" role="alert" data-testid="statement-error">The statement changed since the page was opened; reload`).MatchString(r.body) {
				t.Fatalf("stale statement edit: %d %s", r.status, errorText(r.body))
			}
			if r := b.get("/sessions/" + sess.ID + "/review"); strings.Contains(r.body, "Other words.") {
				t.Fatal("a refused edit changed the note")
			}
			// Version history keeps the mark.
			if r := b.get("/sessions/" + sess.ID + "/versions"); !strings.Contains(r.body, "on most nights. (edited by clinician)") {
				t.Fatal("version history does not mark the clinician's edit")
			}

			// Writing the missing risk statement clears the risk flag.
			b.get("/sessions/" + sess.ID + "/review")
			r = b.post("/sessions/"+sess.ID+"/draft/sections/risk/statements", url.Values{"text": {"Passive death wish reported; denies plan or intent; safety plan reviewed."}})
			if r.status != http.StatusSeeOther {
				t.Fatalf("add statement: %d %s", r.status, errorText(r.body))
			}
			r = b.get("/sessions/" + sess.ID + "/review")
			top = r.body[:strings.Index(r.body, `id="note-h"`)]
			if strings.Contains(top, "Risk not documented") || !strings.Contains(top, `data-testid="flag-counts">1 medium<`) {
				t.Fatalf("the risk flag stands after the risk statement was written:\n%s", top)
			}

			// Wrong password: the page again, the error beside the field, what was typed kept.
			r = b.post("/sessions/"+sess.ID+"/draft/sign", url.Values{"attest": {"1"}, "credential": {"not my password"}})
			if r.status != http.StatusUnauthorized || !strings.Contains(r.body, `data-testid="draft-banner"`) {
				t.Fatalf("wrong password: %d %s", r.status, errorText(r.body))
			}
			msg := signErrorText(r.body)
			if !strings.Contains(msg, "not right") || strings.Contains(msg, "--") {
				t.Fatalf("sign error %q", msg)
			}
			if !regexp.MustCompile(`data-testid="sign-credential" aria-describedby="sign-error" aria-invalid="true" autofocus>\s*<p class="field-error" id="sign-error"`).MatchString(r.body) {
				t.Fatal("the error is not beside the credential field")
			}
			if !regexp.MustCompile(`data-testid="attest"[^>]*checked>`).MatchString(r.body) {
				t.Fatal("the attestation tick was lost")
			}
			if d, _ := e.store.LatestDraft(e.ctx, sess.ID); d.Status == store.DraftSigned {
				t.Fatal("a wrong password signed the note")
			}
			if r := b.post("/sessions/"+sess.ID+"/draft/sign", url.Values{"credential": {testPassword}}); r.status != http.StatusBadRequest || !strings.Contains(signErrorText(r.body), "Tick the attestation") {
				t.Fatalf("no attestation: %d %q", r.status, signErrorText(r.body))
			}
			r = b.post("/sessions/"+sess.ID+"/draft/sign", url.Values{"attest": {"1"}, "credential": {testPassword}})
			if r.status != http.StatusSeeOther {
				t.Fatalf("sign: %d %q %s", r.status, signErrorText(r.body), errorText(r.body))
			}

			// Copy: the paste-ready text, shown in place.
			b.get("/sessions/" + sess.ID + "/review")
			r = b.post("/sessions/"+sess.ID+"/export", url.Values{"copy": {"1"}, "format": {"fhir"}, "identifiers": {"1"}})
			if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Disposition"), "inline") || !strings.HasPrefix(r.header.Get("Content-Type"), "text/plain") {
				t.Fatalf("copy: %d %v %s", r.status, r.header, errorText(r.body))
			}
			want := pasteTextOf(t, e, sess)
			if r.body != want || !strings.HasSuffix(r.body, org+"\n") || !strings.Contains(r.body, "Reviewed and signed by c1@example.org") || !strings.Contains(r.body, "Dana Whitfield") {
				t.Fatalf("copied text:\n%s\nwant:\n%s", r.body, want)
			}
			for _, leak := range []string{"note-model-test-1", "local-llm", "risk_not_assessed", "unsupported", "S00", "soap@1"} {
				if strings.Contains(r.body, leak) {
					t.Errorf("copied text carries %q", leak)
				}
			}
		})
	}
}

// addRiskLanguage rewrites one segment of the session's redacted
// transcript with risk language.
func addRiskLanguage(t *testing.T, e *env, sessionID string) {
	t.Helper()
	tr, err := e.store.Transcript(e.ctx, sessionID)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := e.blobs.Get(e.ctx, tr.RedactedBlob)
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(raw), "Better most nights, although work at the hospital still keeps me anxious.", "Some nights I want to die, but work keeps me going.", 1)
	if s == string(raw) {
		t.Fatal("the seeded transcript changed; update addRiskLanguage")
	}
	if err := e.blobs.Put(e.ctx, tr.RedactedBlob, []byte(s)); err != nil {
		t.Fatal(err)
	}
	segs, _, err := e.web.transcriptFor(e.ctx, sessionID)
	if err != nil || len(summarize.RiskSegments(segs)) == 0 {
		t.Fatalf("no risk language in the transcript (%v)", err)
	}
}

// pasteTextOf is the paste-ready text of the session's note with
// identifiers, as drafts renders it.
func pasteTextOf(t *testing.T, e *env, sess store.Session) string {
	t.Helper()
	d, add, err := drafts.Load(e.ctx, e.store, sess.ID)
	if err != nil {
		t.Fatal(err)
	}
	_, tm, err := e.web.transcriptFor(e.ctx, sess.ID)
	if err != nil {
		t.Fatal(err)
	}
	v, err := drafts.BuildView(d, add, drafts.RenderOptions{TokenMap: tm, Reidentify: true})
	if err != nil {
		t.Fatal(err)
	}
	return drafts.PasteText(v)
}
