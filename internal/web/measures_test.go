package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/scribe-health/scribe/drafts"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/testenv"
	"github.com/scribe-health/scribe/summarize"
)

// TestQuestionnaireOnTheSessionPage: the clinician enters a PHQ-9 from
// the session page; a missing answer is refused with the answers kept; a
// positive item 9 raises the flag on the review page, which no reason
// signs over; resolved, the note signs; three administrations draw a
// trend of three points on the session and review pages.
func TestQuestionnaireOnTheSessionPage(t *testing.T) {
	e := newEnv(t, testenv.Backends[0].URL(t), nil)
	u := e.addUser("c1@example.org", store.RoleClinician, false)
	c := store.Client{Alias: "client-" + testenv.RandomHex(3), Programs: []string{store.ProgramMH}, CareTeam: []string{u.Email}}
	sess := store.Session{ID: uuid.NewString(), Source: "call", Status: store.StatusReady, Template: "soap", Modality: "general", Program: store.ProgramMH, ClientAlias: c.Alias, Clinician: u.Email}
	if err := e.store.InTx(e.ctx, func(tx *store.Tx) error {
		if err := tx.CreateClient(e.ctx, &c, "test"); err != nil {
			return err
		}
		sess.ClientID = c.ID
		return tx.CreateSession(e.ctx, &sess)
	}); err != nil {
		t.Fatal(err)
	}
	e.seedDraft(sess.ID, 1)
	b := e.client()
	b.login(u.Email, "")
	page := b.get("/sessions/" + sess.ID)
	if !strings.Contains(page.body, `href="/sessions/`+sess.ID+`/measures/new?instrument=phq9"`) {
		t.Fatal("the session page offers no PHQ-9")
	}
	form := b.get("/sessions/" + sess.ID + "/measures/new?instrument=phq9")
	if n := strings.Count(form.body, `data-testid="measure-item"`); n != 9 || !strings.Contains(form.body, "Thoughts that you would be better off dead") {
		t.Fatalf("the PHQ-9 form has %d items", n)
	}
	answers := func(vals ...string) url.Values {
		v := url.Values{"instrument": {"phq9"}}
		for i, x := range vals {
			if x != "" {
				v.Set("q"+string(rune('1'+i)), x)
			}
		}
		return v
	}
	r := b.post("/sessions/"+sess.ID+"/measures", answers("1", "1", "", "1", "0", "0", "0", "0", "0"))
	if r.status != http.StatusBadRequest || !strings.Contains(r.body, "1 of the 9 questions have no answer") || !strings.Contains(r.body, `name="q1" value="1" required checked`) {
		t.Fatalf("a missing answer: %d %s", r.status, errorText(r.body))
	}
	for _, vals := range [][]string{{"3", "3", "2", "2", "2", "1", "1", "0", "0"}, {"2", "2", "1", "1", "1", "1", "0", "0", "0"}, {"1", "1", "1", "1", "0", "0", "0", "0", "1"}} {
		if r := b.post("/sessions/"+sess.ID+"/measures", answers(vals...)); r.status != http.StatusSeeOther {
			t.Fatalf("save: %d %s", r.status, errorText(r.body))
		}
	}
	page = b.get("/sessions/" + sess.ID)
	if n := strings.Count(page.body, `data-testid="measure-row"`); n != 3 || !strings.Contains(page.body, "item 9 positive") {
		t.Errorf("the session page lists %d questionnaires", n)
	}
	if n := strings.Count(page.body, "<circle "); n != 3 || !strings.Contains(page.body, `data-testid="trend-phq9"`) {
		t.Errorf("the trend has %d points", n)
	}
	review := b.get("/sessions/" + sess.ID + "/review")
	if !strings.Contains(review.body, "Positive suicide-risk screening item") || !strings.Contains(review.body, `data-testid="trend-phq9"`) {
		t.Fatal("the review page does not show the screening flag and the trend")
	}
	b.post("/sessions/"+sess.ID+"/draft/flags/"+summarize.FlagRiskNotAssessed+"/resolve", url.Values{"reason": {"assessed"}})
	r = b.post("/sessions/"+sess.ID+"/draft/sign", url.Values{"attest": {"1"}, "override": {"seemed fine"}, "credential": {testPassword}})
	if r.status != http.StatusBadRequest || !strings.Contains(signErrorText(r.body), "cannot be signed over") {
		t.Fatalf("signing over item 9: %d %q", r.status, signErrorText(r.body))
	}
	if r := b.post("/sessions/"+sess.ID+"/draft/flags/"+drafts.FlagScreeningRisk+"/resolve", url.Values{"reason": {"C-SSRS screener negative; safety plan reviewed"}}); r.status != http.StatusSeeOther {
		t.Fatalf("resolve: %d", r.status)
	}
	if r := b.post("/sessions/"+sess.ID+"/draft/sign", url.Values{"attest": {"1"}, "credential": {testPassword}}); r.status != http.StatusSeeOther {
		t.Fatalf("sign after resolving: %d %q", r.status, signErrorText(r.body))
	}
}
