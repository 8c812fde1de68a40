package web

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/scribe-health/scribe/capture"
	"github.com/scribe-health/scribe/capture/capturetest"
	"github.com/scribe-health/scribe/internal/app"
	"github.com/scribe-health/scribe/internal/pipeline"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/testenv/chrome"
)

func (c *fakeClock) set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// callEnv serves the web app and a call relay on one server, the relay's
// backend on the web app's store and (fake) clock, as `scribe serve` does.
func callEnv(t *testing.T) (*env, *httptest.Server) {
	t.Helper()
	e := newEnv(t, "", nil)
	cb := &pipeline.CallBackend{Store: e.store, Blobs: e.blobs, PurgeOnRevoke: true, Now: e.clock.Now}
	relay, err := capture.NewRelay(capture.RelayConfig{Loopback: true}, cb)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	relay.Routes(mux)
	e.web.Mount(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		srv.Close()
		relay.Close()
	})
	return e, srv
}

// kolkata starts Chromium in Kolkata (UTC+5:30) with a British locale.
func kolkata(t *testing.T) (context.Context, func() []string) {
	t.Helper()
	ctx, errs := chrome.Start(t)
	if _, err := chromedp.Call(ctx, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: "Asia/Kolkata"}); err != nil {
		t.Fatalf("time zone override: %v", err)
	}
	if _, err := chromedp.Call(ctx, emulation.SetLocaleOverride, emulation.SetLocaleOverrideParams{Locale: "en_GB"}); err != nil {
		t.Fatalf("locale override: %v", err)
	}
	return ctx, errs
}

func tokenOfURL(t *testing.T, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil || u.Query().Get("token") == "" {
		t.Fatalf("join link %q has no token (%v)", link, err)
	}
	return u.Query().Get("token")
}

// TestBrowserJoinLinkWindow (must show): a clinician schedules a session
// for 14:00 the day after tomorrow on the web form (browser in Kolkata);
// the client opens the link 40 minutes early and sees a waiting message
// with the appointment time in their own zone, and the link is not spent;
// with the server's clock at the appointment time, the same link joins the
// call (the consent question, the clinician being there).
func TestBrowserJoinLinkWindow(t *testing.T) {
	requireTool(t, "chromium")
	e, srv := callEnv(t)
	e.addUser("therapist@example.org", store.RoleClinician, false)
	ist := time.FixedZone("IST", 5*3600+1800)
	day := e.clock.Now().In(ist).Add(48 * time.Hour)
	appt := time.Date(day.Year(), day.Month(), day.Day(), 14, 0, 0, 0, ist)

	ctx, errs := kolkata(t)
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	step := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, steps...); err != nil {
			st, _ := chromedp.Run(context.WithoutCancel(ctx), chromedp.Evaluate[string](`(document.getElementById("status")||document.body).textContent`))
			t.Fatalf("%s: %v (page status %q; console errors: %v)", what, err, st, errs())
		}
	}
	step("sign in",
		chromedp.Navigate(srv.URL+"/login"),
		chromedp.WaitVisible(css(`[data-testid=signin-email]`)),
		chromedp.SendKeys(css(`[data-testid=signin-email]`), "therapist@example.org"),
		chromedp.SendKeys(css(`[data-testid=signin-password]`), testPassword),
		chromedp.Click(css(`[data-testid=signin-submit]`)),
		chromedp.WaitVisible(css(`form.logout`)))
	if ck, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.cookie`)); err != nil || (!strings.Contains(ck, "scribe_tz=Asia/Kolkata") && !strings.Contains(ck, "scribe_tz=Asia/Calcutta")) {
		t.Errorf("the page did not tell the server its time zone (Kolkata, or its old name Calcutta): cookies %q (%v)", ck, err)
	}
	step("schedule at 14:00 local time",
		chromedp.Navigate(srv.URL+"/sessions/new"),
		chromedp.WaitVisible(css(`[data-testid=schedule-session]`)),
		chromedp.SendKeys(css(`#alias`), "client-17"),
		chromedp.SetValue(css(`[data-testid=schedule-start]`), appt.Format("2006-01-02T15:04")),
		chromedp.SetValue(css(`[data-testid=schedule-duration]`), "45"),
		chromedp.Click(css(`[data-testid=schedule-session]`)),
		chromedp.WaitVisible(css(`[data-testid=join-link]`)))
	links, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("[data-testid=join-link]")].map(e => e.value)`))
	if err != nil || len(links) != 2 {
		t.Fatalf("join links %v, %v", links, err)
	}
	var clientLink, clinTok string
	for _, l := range links {
		tok := tokenOfURL(t, l)
		jt, err := e.store.JoinTokenByHash(e.ctx, pipeline.HashJoinToken(tok))
		if err != nil {
			t.Fatal(err)
		}
		if jt.Role == capture.RoleClinician {
			clinTok = tok
		} else {
			clientLink = l
		}
	}
	if clientLink == "" || clinTok == "" || !strings.HasPrefix(clientLink, srv.URL+"/call/") {
		t.Fatalf("links %v: want a clinician's and a client's on this server", links)
	}
	sessionID := strings.TrimPrefix(strings.SplitN(clientLink, "?", 2)[0], srv.URL+"/call/")
	invite, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("[data-testid=invitation-text]").value`))
	if want := "on " + appt.Format("Monday 2 January 2006") + " at 14:00 (UTC+05:30), join here: " + clientLink; err != nil || !strings.HasSuffix(invite, want) {
		t.Errorf("invitation %q (%v); want it to end %q", invite, err, want)
	}

	// 40 minutes early: a waiting message with the time, in Kolkata time.
	e.clock.set(appt.Add(-40 * time.Minute))
	step("the early page",
		chromedp.Navigate(clientLink),
		chromedp.WaitVisible(css(`[data-testid=waiting]`)))
	text, err := chromedp.Run(ctx, chromedp.Poll[string](`(t => t.includes("13:30") ? t : null)(document.querySelector("[data-testid=waiting-text]").textContent)`, chromedp.WithPollingTimeout(10*time.Second)))
	if err != nil {
		t.Fatalf("early page text: %v", err)
	}
	t.Logf("early page: %q", text)
	wantDay := appt.Format("2 January")
	if !strings.Contains(text, "Your appointment is on") || !strings.Contains(text, wantDay) || !strings.Contains(text, "at 14:00") ||
		!strings.Contains(text, "opens the call from 13:30") || !strings.Contains(text, "Your link stays valid") {
		t.Errorf("early text %q; want the appointment on … %s at 14:00 (Kolkata), opening at 13:30, the link still valid", text, wantDay)
	}
	if hidden, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("consent").hidden`)); err != nil || !hidden {
		t.Errorf("the consent question is shown before the call opens (hidden=%v, %v)", hidden, err)
	}
	if _, err := e.store.JoinTokenByHash(e.ctx, pipeline.HashJoinToken(tokenOfURL(t, clientLink))); err != nil {
		t.Errorf("the client's link is gone after an early look: %v", err)
	}

	// At the appointment time the same link joins; the clinician is there.
	e.clock.set(appt)
	clin, refused := capturetest.Dial(t, srv.URL, sessionID, clinTok)
	if clin == nil {
		t.Fatalf("clinician refused at the appointment time: %s", refused)
	}
	defer clin.Close()
	step("joined at the appointment time",
		chromedp.Navigate(clientLink),
		chromedp.WaitVisible(css(`[data-testid=consent-accept]`)),
		chromedp.WaitNotVisible(css(`[data-testid=waiting]`)))
	if ce := errs(); len(ce) > 0 {
		t.Errorf("console errors: %v", ce)
	}
}

// TestBrowserJoinLinkAfterWindow (must show): a client's link opened after
// the appointment window and its grace period is refused with a message
// that says what to do.
func TestBrowserJoinLinkAfterWindow(t *testing.T) {
	requireTool(t, "chromium")
	e, srv := callEnv(t)
	u := e.addUser("therapist@example.org", store.RoleClinician, false)
	start := e.clock.Now().Add(2 * time.Hour).Truncate(time.Minute)
	res, err := e.web.service().ScheduleSession(e.ctx, u, app.ScheduleInput{ClientAlias: "client-18", Start: start, Length: 45 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	var tok string
	for _, l := range res.Links {
		if l.Role == "client" {
			tok = l.Token
		}
	}
	e.clock.set(res.ExpiresAt.Add(time.Minute))
	ctx, errs := kolkata(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/call/"+res.Session.ID+"?token="+tok)); err != nil {
		t.Fatal(err)
	}
	status, err := chromedp.Run(ctx, chromedp.Poll[string](`(t => t.startsWith("The time of this appointment is over") ? t : null)(document.getElementById("status").textContent)`, chromedp.WithPollingTimeout(20*time.Second)))
	if err != nil {
		s, _ := chromedp.Run(context.WithoutCancel(ctx), chromedp.Evaluate[string](`document.getElementById("status").textContent`))
		t.Fatalf("the link after the window shows %q (%v)", s, err)
	}
	t.Logf("after the window: %q", status)
	if !strings.Contains(status, "ask your clinician for a new link") {
		t.Errorf("the refusal %q does not say what to do", status)
	}
	if hidden, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("consent").hidden`)); err != nil || !hidden {
		t.Errorf("the consent question is shown after the window (hidden=%v, %v)", hidden, err)
	}
	if ce := errs(); len(ce) > 0 {
		t.Errorf("console errors: %v", ce)
	}
}

// TestRenewLinkAndStartCallFromWeb: the session page offers a new client
// link; pressing it shows the new link once and the old one stops
// working; another clinician may not. The clinician's Start-call link
// lasts until the appointment window ends, not a fixed time.
func TestRenewLinkAndStartCallFromWeb(t *testing.T) {
	e := newEnv(t, "", nil)
	u := e.addUser("therapist@example.org", store.RoleClinician, false)
	e.addUser("other@example.org", store.RoleClinician, false)
	res, err := e.web.service().ScheduleSession(e.ctx, u, app.ScheduleInput{ClientAlias: "client-19", Start: e.clock.Now().Add(26 * time.Hour), Length: 50 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	var old string
	for _, l := range res.Links {
		if l.Role == "client" {
			old = l.Token
		}
	}
	clin := e.client()
	clin.login("therapist@example.org", "")
	if page := clin.get("/sessions/" + res.Session.ID); !strings.Contains(page.body, `data-testid="renew-link"`) {
		t.Fatal("the session page does not offer a new client link")
	}
	other := e.client()
	other.login("other@example.org", "")
	if r := other.post("/sessions/"+res.Session.ID+"/link", nil); r.status != http.StatusForbidden {
		t.Errorf("another clinician renewing: HTTP %d", r.status)
	}
	r := clin.post("/sessions/"+res.Session.ID+"/link", nil)
	if r.status != http.StatusOK || !strings.Contains(r.body, `data-testid="new-join-link"`) || !strings.Contains(r.body, "the old one no longer opens the call") {
		t.Fatalf("renew: HTTP %d %s", r.status, errorText(r.body))
	}
	i := strings.Index(r.body, "?token=")
	tok := r.body[i+len("?token="):]
	tok = tok[:strings.IndexAny(tok, `"&<`)]
	if _, err := e.store.JoinTokenByHash(e.ctx, pipeline.HashJoinToken(old)); err == nil {
		t.Error("the old client link still exists after a renewal")
	}
	if jt, err := e.store.JoinTokenByHash(e.ctx, pipeline.HashJoinToken(tok)); err != nil || jt.Role != "client" || jt.ExpiresAt != res.Session.ExpiresAt {
		t.Errorf("the new link %+v, %v; want a client link until the window ends", jt, err)
	}
	if !strings.Contains(r.body, `data-testid="invitation-text"`) || !strings.Contains(r.body, `download="appointment.ics"`) {
		t.Error("the new link comes without its invitation and calendar file")
	}
	if !contains(e.auditActions(), "session.link_renewed") {
		t.Error("the renewal was not audited")
	}

	r = clin.post("/sessions/"+res.Session.ID+"/call", nil)
	if r.status != http.StatusSeeOther || !strings.Contains(r.location, "token=") {
		t.Fatalf("start call: HTTP %d to %q", r.status, r.location)
	}
	jt, err := e.store.JoinTokenByHash(e.ctx, pipeline.HashJoinToken(tokenOfURL(t, r.location)))
	if err != nil || jt.Role != "clinician" || jt.ExpiresAt != res.Session.ExpiresAt {
		t.Errorf("the Start-call link %+v, %v; want the clinician's, until %v", jt, err, time.UnixMilli(res.Session.ExpiresAt))
	}
}

// TestRescheduleFromWeb: the session page's Reschedule form moves the
// appointment (the time read in the browser's zone); the links follow;
// a time in the past is refused in words with nothing changed; a session
// that has started offers no form and refuses the request.
func TestRescheduleFromWeb(t *testing.T) {
	e := newEnv(t, "", nil)
	u := e.addUser("therapist@example.org", store.RoleClinician, false)
	res, err := e.web.service().ScheduleSession(e.ctx, u, app.ScheduleInput{ClientAlias: "client-20", Start: e.clock.Now().Add(26 * time.Hour), Length: 50 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	clin := e.client()
	clin.login("therapist@example.org", "")
	path := "/sessions/" + res.Session.ID
	if page := clin.get(path); !strings.Contains(page.body, `data-testid="reschedule-session"`) {
		t.Fatal("the session page does not offer to reschedule")
	}
	past := e.clock.Now().Add(-2 * time.Hour).UTC().Format("2006-01-02T15:04")
	if r := clin.post(path+"/reschedule", url.Values{"start": {past}, "duration": {"50"}, "tz_offset": {"0"}}); r.status != http.StatusBadRequest || !strings.Contains(errorText(r.body), "in the past") {
		t.Errorf("a time in the past: HTTP %d %q", r.status, errorText(r.body))
	}
	ist := time.FixedZone("", 330*60)
	day := e.clock.Now().In(ist).Add(72 * time.Hour)
	want := time.Date(day.Year(), day.Month(), day.Day(), 9, 15, 0, 0, ist)
	r := clin.post(path+"/reschedule", url.Values{"start": {want.Format("2006-01-02T15:04")}, "duration": {"30"}, "tz_offset": {"330"}})
	if r.status != http.StatusSeeOther || !strings.Contains(r.location, "flash=") {
		t.Fatalf("reschedule: HTTP %d %q %s", r.status, r.location, errorText(r.body))
	}
	s, _ := e.store.Session(e.ctx, res.Session.ID)
	if !time.UnixMilli(s.ScheduledAt).Equal(want) || s.ScheduledDurationMS != (30*time.Minute).Milliseconds() {
		t.Errorf("moved to %v for %d ms; want %v for 30 minutes", time.UnixMilli(s.ScheduledAt).UTC(), s.ScheduledDurationMS, want.UTC())
	}
	for _, l := range res.Links {
		if jt, err := e.store.JoinTokenByHash(e.ctx, pipeline.HashJoinToken(l.Token)); err != nil || jt.ExpiresAt != s.ExpiresAt {
			t.Errorf("the %s link %+v, %v; want it to follow the window (until %v)", l.Role, jt, err, time.UnixMilli(s.ExpiresAt))
		}
	}
	if err := e.store.InTx(e.ctx, func(tx *store.Tx) error { return tx.SetSessionStatus(e.ctx, s.ID, store.StatusInCall) }); err != nil {
		t.Fatal(err)
	}
	if page := clin.get(path); strings.Contains(page.body, `data-testid="reschedule-session"`) {
		t.Error("a session in its call still offers to reschedule")
	}
	if r := clin.post(path+"/reschedule", url.Values{"start": {want.Add(24 * time.Hour).Format("2006-01-02T15:04")}, "tz_offset": {"330"}}); r.status != http.StatusConflict {
		t.Errorf("rescheduling a session in its call: HTTP %d", r.status)
	}
}

// TestUploadIntoBookedSession: a booked session's page offers "Upload the
// recording"; the upload attaches to that session (no new session, its
// client) and the page then offers neither the call nor another upload; a
// second upload into it is refused with nothing stored; without the
// consent confirmation (none on file) it is refused.
func TestUploadIntoBookedSession(t *testing.T) {
	e := newEnv(t, "", nil)
	u := e.addUser("therapist@example.org", store.RoleClinician, false)
	res, err := e.web.service().ScheduleSession(e.ctx, u, app.ScheduleInput{ClientAlias: "client-24", Start: e.clock.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	id := res.Session.ID
	clin := e.client()
	clin.login("therapist@example.org", "")
	page := clin.get("/sessions/" + id)
	if !strings.Contains(page.body, `data-testid="upload-recording"`) || !strings.Contains(page.body, `name="session" value="`+id+`"`) {
		t.Fatal("the booked session's page does not offer to upload its recording")
	}
	ct, body := uploadForm(t, [][2]string{{"session", id}}, toneWAV(2))
	if r := clin.postUpload(ct, bytes.NewReader(body)); r.status != http.StatusBadRequest || !strings.Contains(r.body, "confirm that the client consented") {
		t.Errorf("no consent: HTTP %d %q", r.status, r.body)
	}
	ct, body = uploadForm(t, [][2]string{{"session", id}, {"consent", "1"}}, toneWAV(2))
	r := clin.postUpload(ct, bytes.NewReader(body))
	if r.status != http.StatusCreated || !strings.Contains(r.body, `"session_id":"`+id+`"`) {
		t.Fatalf("upload into the booked session: HTTP %d %s", r.status, r.body)
	}
	if all, _ := e.store.ListSessions(e.ctx, "", 10); len(all) != 1 {
		t.Errorf("%d sessions after the upload; want the booked one only", len(all))
	}
	s, _ := e.store.Session(e.ctx, id)
	if s.ClientID != res.Session.ClientID || s.Status != store.StatusTranscribing || s.DurationMS != 2000 {
		t.Errorf("after the upload: %+v", s)
	}
	page = clin.get("/sessions/" + id)
	if strings.Contains(page.body, `data-testid="upload-recording"`) || strings.Contains(page.body, `data-testid="start-call"`) {
		t.Error("the session with its recording still offers an upload or the call")
	}
	ct, body = uploadForm(t, [][2]string{{"session", id}, {"consent", "1"}}, toneWAV(2))
	if r := clin.postUpload(ct, bytes.NewReader(body)); r.status != http.StatusConflict || !strings.Contains(r.body, "already has a recording") {
		t.Errorf("a second upload: HTTP %d %q", r.status, r.body)
	}
	if ch, _ := e.store.Chunks(e.ctx, id); len(ch) != 1 {
		t.Errorf("%d chunks after a refused second upload", len(ch))
	}
}
