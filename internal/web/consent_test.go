package web

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/scribe-health/scribe/internal/compliance"
	"github.com/scribe-health/scribe/internal/pipeline"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/testenv"
)

// formValues reads the inputs of the consent-add form of one scope, as a
// browser would submit it (pre-filled values, checked boxes, selected options).
func formValues(t *testing.T, body, scope string) url.Values {
	t.Helper()
	start := strings.Index(body, `data-testid="consent-add" data-scope="`+scope+`"`)
	if start < 0 {
		t.Fatalf("no consent-add form for scope %s", scope)
	}
	form := body[start : start+strings.Index(body[start:], "</form>")]
	v := url.Values{}
	for _, m := range regexp.MustCompile(`<input([^>]*)>`).FindAllStringSubmatch(form, -1) {
		attr := func(n string) string {
			if a := regexp.MustCompile(` ` + n + `="([^"]*)"`).FindStringSubmatch(m[1]); a != nil {
				return a[1]
			}
			return ""
		}
		if attr("name") == "" || attr("type") == "checkbox" && !strings.Contains(m[1], " checked") {
			continue
		}
		v.Set(attr("name"), htmlUnescape(attr("value")))
	}
	for _, m := range regexp.MustCompile(`(?s)<select name="([^"]+)">(.*?)</select>`).FindAllStringSubmatch(form, -1) {
		// A browser submits an option's value, or its text when it has none.
		if o := regexp.MustCompile(`<option(?: value="([^"]*)")? selected>([^<]*)<`).FindStringSubmatch(m[2]); o != nil {
			if strings.Contains(o[0], ` value="`) {
				v.Set(m[1], htmlUnescape(o[1]))
			} else {
				v.Set(m[1], o[2])
			}
		}
	}
	return v
}

func htmlUnescape(s string) string {
	return strings.NewReplacer("&#39;", "'", "&amp;", "&", "&quot;", `"`, "&lt;", "<", "&gt;", ">", "&#34;", `"`).Replace(s)
}

// TestConsentManagement drives consents on the session page over HTTP on
// both backends: a Part 2 consent recorded from the form pre-filled with
// the current consent text is listed and in force; an incomplete one is
// refused naming every missing element and stores nothing; a revocation
// is shown, takes the consent out of force and cannot be repeated; another
// clinician is refused; a form without its CSRF token changes nothing.
func TestConsentManagement(t *testing.T) {
	for _, be := range testenv.Backends {
		t.Run(be.Name, func(t *testing.T) {
			e := newEnv(t, be.URL(t), nil)
			e.addUser("c1@example.org", store.RoleClinician, true)
			e.addUser("c2@example.org", store.RoleClinician, true)
			sess := e.seedSession("c1@example.org", "sud", store.StatusScheduled)
			if _, err := compliance.EnsureText(e.ctx, e.store, compliance.ScopePart2TPO, pipeline.ConsentTextVersion, pipeline.Part2ConsentText, "system"); err != nil {
				t.Fatal(err)
			}
			b := e.client()
			b.login("c1@example.org", "")
			page := "/sessions/" + sess.ID
			count := func() int {
				recs, err := e.store.ConsentRecords(e.ctx, store.ConsentFilter{SessionID: sess.ID})
				if err != nil {
					t.Fatal(err)
				}
				return len(recs)
			}

			r := b.get(page)
			if r.status != 200 || !strings.Contains(r.body, `data-testid="consent-list"`) || !strings.Contains(r.body, "No consent is on file") {
				t.Fatalf("session page: %d, consent list missing or not empty", r.status)
			}
			f := formValues(t, r.body, compliance.ScopePart2TPO)
			if f.Get("text_version") != pipeline.ConsentTextVersion || f.Get("discloser") != "this treatment program" || f.Get("revocation_notice") != "1" ||
				!strings.Contains(f.Get("purpose"), "treatment, payment") || f.Get("expires") == "" || f.Get("method") != "electronic" {
				t.Fatalf("part2_tpo form not pre-filled from the consent text: %v", f)
			}

			// Incomplete: no signature, no recipients, no purpose, no expiry.
			bad := url.Values{}
			for k := range f {
				bad.Set(k, f.Get(k))
			}
			bad.Del("signature")
			bad.Set("recipients", "  ")
			bad.Del("purpose")
			bad.Del("expires")
			before := len(e.auditActions())
			r = b.post(page+"/consents", bad)
			if r.status != http.StatusBadRequest {
				t.Fatalf("incomplete consent: %d %s", r.status, errorText(r.body))
			}
			for _, want := range []string{"signature missing", "recipients by name or class missing", "purpose missing", "expiry date or event missing", `data-testid="consent-problems"`} {
				if !strings.Contains(r.body, want) {
					t.Errorf("refusal does not name %q: %s", want, errorText(r.body))
				}
			}
			if strings.Contains(r.body, "(--") {
				t.Error("refusal shows CLI flag names to a web user")
			}
			if n := count(); n != 0 || len(e.auditActions()) != before {
				t.Fatalf("incomplete consent stored %d records, wrote %d audit entries", n, len(e.auditActions())-before)
			}
			if r := b.post(page+"/consents", url.Values{"scope": {"ai_scribe"}, "decision": {"granted"}, "method": {"electronic"}, "signature": {"Client A"}, "signed": {"12/01/2026"}}); r.status != http.StatusBadRequest || !strings.Contains(r.body, "date of signature must be a date YYYY-MM-DD") {
				t.Fatalf("bad date: %d %s", r.status, errorText(r.body))
			}

			// Complete: the pre-filled form plus a signature.
			f.Set("signature", "Client A (typed)")
			r = b.post(page+"/consents", f)
			if r.status != http.StatusSeeOther {
				t.Fatalf("record consent: %d %s", r.status, errorText(r.body))
			}
			recs, _ := e.store.ConsentRecords(e.ctx, store.ConsentFilter{SessionID: sess.ID})
			if len(recs) != 1 {
				t.Fatalf("%d consent records stored, want 1", len(recs))
			}
			c := recs[0]
			if c.CapturedBy != "c1@example.org" || c.TextHash != compliance.TextHash(pipeline.Part2ConsentText) || c.ClientAlias != sess.ClientAlias || !c.Granted {
				t.Fatalf("stored consent: %+v", c)
			}
			if !contains(e.auditActions(), "consent.add") {
				t.Error("recording a consent was not audited")
			}
			r = b.get(page)
			row := regexp.MustCompile(`(?s)<tr data-testid="consent-row" data-consent="` + c.ID + `" data-status="in_force">.*?</tr>`).FindString(r.body)
			if row == "" || !strings.Contains(row, "in force") || !strings.Contains(row, "c1@example.org") || !strings.Contains(row, pipeline.ConsentTextVersion) || !strings.Contains(row, `data-testid="consent-revoke"`) {
				t.Fatalf("recorded consent not listed in force with a revoke form: %q", row)
			}
			if !strings.Contains(r.body, `data-scope="part2_tpo" data-status="in_force"`) {
				t.Error("the part2_tpo scope is not shown in force")
			}
			if d, err := compliance.At(e.ctx, e.store, sess, compliance.ScopePart2TPO, e.store.NowMS()); err != nil || !d.InForce() {
				t.Fatalf("compliance says %v, %v", d.Status, err)
			}

			// Another clinician can neither add nor revoke.
			o := e.client()
			o.login("c2@example.org", "")
			o.get("/sessions")
			f.Del("csrf")
			if r := o.post(page+"/consents", f); r.status != http.StatusForbidden || !strings.Contains(r.body, "another clinician") {
				t.Fatalf("another clinician adding: %d %s", r.status, errorText(r.body))
			}
			if r := o.post(page+"/consents/revoke", url.Values{"consent": {c.ID}, "method": {"written"}, "confirm": {"1"}}); r.status != http.StatusForbidden {
				t.Fatalf("another clinician revoking: %d %s", r.status, errorText(r.body))
			}
			// Without the CSRF token: refused, nothing changed.
			if r := b.post(page+"/consents/revoke", url.Values{"csrf": {""}, "consent": {c.ID}, "method": {"written"}, "confirm": {"1"}}); r.status != http.StatusForbidden || !strings.Contains(r.body, "security token") {
				t.Fatalf("revoke without CSRF: %d %s", r.status, errorText(r.body))
			}
			if r := b.post(page+"/consents", url.Values{"csrf": {"forged"}, "scope": {"ai_scribe"}, "decision": {"granted"}, "method": {"electronic"}, "signature": {"x"}}); r.status != http.StatusForbidden {
				t.Fatalf("add with a forged CSRF token: %d", r.status)
			}
			if n := count(); n != 1 {
				t.Fatalf("refused requests changed the records: %d", n)
			}
			if got, _ := e.store.ConsentRecord(e.ctx, c.ID); got.RevokedAt != 0 {
				t.Fatal("a refused revocation revoked the consent")
			}

			// Revoke: unconfirmed or with a bad method is refused; then done once.
			b.get(page)
			if r := b.post(page+"/consents/revoke", url.Values{"consent": {c.ID}, "method": {"written"}}); r.status != http.StatusBadRequest || !strings.Contains(r.body, "confirm") {
				t.Fatalf("unconfirmed revoke: %d %s", r.status, errorText(r.body))
			}
			if r := b.post(page+"/consents/revoke", url.Values{"consent": {c.ID}, "method": {"telepathy"}, "confirm": {"1"}}); r.status != http.StatusBadRequest || !strings.Contains(r.body, "revocation method") {
				t.Fatalf("bad method: %d %s", r.status, errorText(r.body))
			}
			if r := b.post(page+"/consents/revoke", url.Values{"consent": {"no-such-consent"}, "method": {"written"}, "confirm": {"1"}}); r.status != http.StatusNotFound {
				t.Fatalf("unknown consent: %d %s", r.status, errorText(r.body))
			}
			if r := b.post(page+"/consents/revoke", url.Values{"consent": {c.ID}, "method": {"written"}, "confirm": {"1"}}); r.status != http.StatusSeeOther {
				t.Fatalf("revoke: %d %s", r.status, errorText(r.body))
			}
			if !contains(e.auditActions(), "consent.revoke") {
				t.Error("the revocation was not audited")
			}
			r = b.get(page)
			row = regexp.MustCompile(`(?s)<tr data-testid="consent-row" data-consent="` + c.ID + `" data-status="revoked">.*?</tr>`).FindString(r.body)
			if row == "" || !strings.Contains(row, "by c1@example.org (written)") || strings.Contains(row, `data-testid="consent-revoke"`) {
				t.Fatalf("revoked consent not shown revoked (by, how, no revoke button): %q", row)
			}
			if d, _ := compliance.At(e.ctx, e.store, sess, compliance.ScopePart2TPO, e.store.NowMS()); d.InForce() {
				t.Fatal("the revoked consent is still in force")
			}
			if r := b.post(page+"/consents/revoke", url.Values{"consent": {c.ID}, "method": {"written"}, "confirm": {"1"}}); r.status != http.StatusConflict || !strings.Contains(r.body, "already revoked") {
				t.Fatalf("second revoke: %d %s", r.status, errorText(r.body))
			}
		})
	}
}

// TestConsentPart2Access: a supervisor without Part 2 access cannot see or
// record consents of a Part 2 session, nor can one with Part 2 access who
// is not on the client's care team (the refusal is the same and does not
// say "Part 2"); one with access on the care team can.
func TestConsentPart2Access(t *testing.T) {
	e := newEnv(t, "", nil)
	e.addUser("sup@example.org", store.RoleSupervisor, false)
	sup2 := e.addUser("sup2@example.org", store.RoleSupervisor, true)
	sess := e.seedSession("c1@example.org", "sud", store.StatusScheduled)
	form := url.Values{"scope": {"ai_scribe"}, "decision": {"granted"}, "method": {"verbal_attested"}, "signature": {"attested by sup2@example.org"}}
	b := e.client()
	b.login("sup@example.org", "")
	r := b.post("/sessions/"+sess.ID+"/consents", form)
	if r.status != http.StatusForbidden || !strings.Contains(r.body, "care team") || strings.Contains(errorText(r.body), "Part 2") {
		t.Fatalf("supervisor without Part 2 access: %d %s", r.status, errorText(r.body))
	}
	b2 := e.client()
	b2.login("sup2@example.org", "")
	form.Del("csrf")
	if r2 := b2.post("/sessions/"+sess.ID+"/consents", form); r2.status != http.StatusForbidden || errorText(r2.body) != errorText(r.body) {
		t.Fatalf("supervisor with Part 2 access, not on the care team: %d %s", r2.status, errorText(r2.body))
	}
	e.addToCareTeam(sess, sup2)
	b2.get("/sessions/" + sess.ID)
	form.Del("csrf")
	if r := b2.post("/sessions/"+sess.ID+"/consents", form); r.status != http.StatusSeeOther {
		t.Fatalf("supervisor with Part 2 access: %d %s", r.status, errorText(r.body))
	}
	if d, err := compliance.At(e.ctx, e.store, sess, compliance.ScopeAIScribe, e.store.NowMS()); err != nil || !d.InForce() || d.Consent.CapturedBy != "sup2@example.org" {
		t.Fatalf("ai_scribe consent: %+v %v", d, err)
	}
}
