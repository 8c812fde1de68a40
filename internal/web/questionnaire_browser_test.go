package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/scribe-health/scribe/drafts"
	"github.com/scribe-health/scribe/internal/app"
	"github.com/scribe-health/scribe/internal/pipeline"
	"github.com/scribe-health/scribe/internal/store"
)

// TestBrowserPHQ9OnTheClientLink (must show, #17): the clinician sends a
// PHQ-9 to the client's link; the client opens the link early, answers it
// on the waiting page with item 9 = 1 and is shown crisis resources at
// once; the answers are stored as the client's, audited, and the session's
// note will carry the high-severity flag; the link is not spent and the
// questionnaire is not asked again.
func TestBrowserPHQ9OnTheClientLink(t *testing.T) {
	requireTool(t, "chromium")
	e, srv := callEnv(t)
	u := e.addUser("therapist@example.org", store.RoleClinician, false)
	res, err := e.web.service().ScheduleSession(e.ctx, u, app.ScheduleInput{ClientAlias: "client-31", Start: e.clock.Now().Add(26 * time.Hour), Length: 50 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	var tok string
	for _, l := range res.Links {
		if l.Role == "client" {
			tok = l.Token
		}
	}
	b := e.client()
	b.login(u.Email, "")
	page := b.get("/sessions/" + res.Session.ID)
	if !strings.Contains(page.body, `data-testid="measure-request-phq9"`) {
		t.Fatalf("the session page cannot send a PHQ-9: %d %s", page.status, page.body)
	}
	if r := b.post("/sessions/"+res.Session.ID+"/measures/request", map[string][]string{"instrument": {"phq9"}}); r.status != 303 {
		t.Fatalf("send: %d %s", r.status, errorText(r.body))
	}
	if page := b.get("/sessions/" + res.Session.ID); !strings.Contains(page.body, "PHQ-9 (not answered yet)") {
		t.Error("the session page does not say the PHQ-9 waits for the client")
	}

	ctx, errs := kolkata(t)
	step := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, steps...); err != nil {
			st, _ := chromedp.Run(context.WithoutCancel(ctx), chromedp.Evaluate[string](`document.body.innerText`))
			t.Fatalf("%s: %v (page %q; console errors: %v)", what, err, st, errs())
		}
	}
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	step("open the link a day early",
		chromedp.Navigate(srv.URL+"/call/"+res.Session.ID+"?token="+tok),
		chromedp.WaitVisible(css(`[data-testid=waiting]`)),
		chromedp.WaitVisible(css(`[data-testid=questionnaire][data-instrument=phq9]`)))
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("[data-testid=questionnaire] fieldset").length`))
	if err != nil || n != 9 {
		t.Fatalf("the PHQ-9 on the waiting page has %d questions (%v)", n, err)
	}
	// Items 1–8 "Several days" (1) except 8, item 9 "Several days".
	var clicks []chromedp.Action[chromedp.Void]
	for i, v := range []int{1, 1, 0, 1, 0, 0, 0, 0, 1} {
		clicks = append(clicks, chromedp.Click(css(`input[name="phq9-`+strconv.Itoa(i)+`"][value="`+strconv.Itoa(v)+`"]`)))
	}
	step("answer", clicks...)
	step("send", chromedp.Click(css(`[data-testid=questionnaire-send]`)), chromedp.WaitVisible(css(`[data-testid=crisis]`)))
	crisis, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("[data-testid=crisis]").textContent`))
	if !strings.Contains(crisis, "988") {
		t.Errorf("the crisis message %q gives no crisis line", crisis)
	}
	ms, err := e.store.MeasuresOfSession(e.ctx, res.Session.ID)
	if err != nil || len(ms) != 1 || ms[0].Source != store.MeasureByClient || !ms[0].Risk || ms[0].Total != 4 {
		t.Fatalf("stored: %+v %v", ms, err)
	}
	if flags, err := drafts.MeasureFlags(e.ctx, e.store, res.Session.ID); err != nil || len(flags) != 1 || flags[0].Code != drafts.FlagScreeningRisk {
		t.Errorf("the session's note will not carry the flag: %+v %v", flags, err)
	}
	if !contains(e.auditActions(), "measure.record") {
		t.Error("the client's answers are not audited")
	}
	if jt, err := e.store.JoinTokenByHash(e.ctx, pipeline.HashJoinToken(tok)); err != nil || jt.SessionID != res.Session.ID {
		t.Errorf("the link is gone after answering: %v", err)
	}
	step("open the link again", chromedp.Reload(), chromedp.WaitVisible(css(`[data-testid=waiting]`)))
	// The page marks the list fetched (data-loaded) whether or not it
	// holds anything; answered, the PHQ-9 is not in it.
	if hidden, err := chromedp.Run(ctx, chromedp.Poll[bool](`(q => q.dataset.loaded === "1" ? q.hidden : null)(document.getElementById("questionnaires"))`, chromedp.WithPollingTimeout(10*time.Second))); err != nil || !hidden {
		t.Errorf("the answered PHQ-9 is asked again (%v)", err)
	}
	if page := b.get("/sessions/" + res.Session.ID); !strings.Contains(page.body, "PHQ-9 (answered)") || !strings.Contains(page.body, "item 9 positive") {
		t.Error("the session page does not show the client's answers")
	}
	if ce := errs(); len(ce) > 0 {
		t.Errorf("console errors: %v", ce)
	}
}

// TestQuestionnaireLinkRefusals: the questionnaire endpoint takes only the
// client's own link of the session, in its header: no token, the
// clinician's link, another session's link or a questionnaire nobody sent
// are refused and store nothing.
func TestQuestionnaireLinkRefusals(t *testing.T) {
	e, srv := callEnv(t)
	u := e.addUser("therapist@example.org", store.RoleClinician, false)
	mk := func(alias string) (app.Scheduled, string, string) {
		res, err := e.web.service().ScheduleSession(e.ctx, u, app.ScheduleInput{ClientAlias: alias, Start: e.clock.Now().Add(26 * time.Hour), Length: 50 * time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		var client, clin string
		for _, l := range res.Links {
			if l.Role == "client" {
				client = l.Token
			} else {
				clin = l.Token
			}
		}
		if err := e.web.service().RequestMeasures(e.ctx, u, res.Session.ID, []string{"gad7"}); err != nil {
			t.Fatal(err)
		}
		return res, client, clin
	}
	a, clientA, clinA := mk("client-41")
	_, clientB, _ := mk("client-42")
	post := func(token, body string) int {
		req, _ := http.NewRequest("POST", srv.URL+"/call/"+a.Session.ID+"/questionnaires", strings.NewReader(body))
		if token != "" {
			req.Header.Set("X-Join-Token", token)
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	gad := `{"id":"gad7","answers":[1,1,1,1,1,1,1]}`
	for name, c := range map[string]struct {
		token, body string
		want        int
	}{
		"no token":             {"", gad, http.StatusNotFound},
		"the clinician's link": {clinA, gad, http.StatusForbidden},
		"another session's":    {clientB, gad, http.StatusForbidden},
		"not sent":             {clientA, `{"id":"phq9","answers":[0,0,0,0,0,0,0,0,0]}`, http.StatusBadRequest},
		"half answered":        {clientA, `{"id":"gad7","answers":[1,1]}`, http.StatusBadRequest},
		"not JSON":             {clientA, `answers`, http.StatusBadRequest},
	} {
		if got := post(c.token, c.body); got != c.want {
			t.Errorf("%s: HTTP %d, want %d", name, got, c.want)
		}
	}
	if ms, _ := e.store.MeasuresOfSession(e.ctx, a.Session.ID); len(ms) != 0 {
		t.Fatalf("refused answers stored %d questionnaires", len(ms))
	}
	if got := post(clientA, gad); got != http.StatusOK {
		t.Fatalf("the client's own answers: HTTP %d", got)
	}
	if ms, _ := e.store.MeasuresOfSession(e.ctx, a.Session.ID); len(ms) != 1 || ms[0].Total != 7 || ms[0].Source != store.MeasureByClient {
		t.Fatalf("stored %+v", ms)
	}
}
