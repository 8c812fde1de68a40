package web

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/scribe-health/scribe/internal/app"
	"github.com/scribe-health/scribe/internal/auth"
	"github.com/scribe-health/scribe/internal/demo"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/testenv/chrome"
)

// a11yWidths are the window widths every page is checked at (axe-core and
// a screenshot): a phone (390 px) and a laptop (1280 px); wideWidth is
// checked for sideways scrolling too (a 1920 px desktop).
var a11yWidths = []int64{390, 1280}

const wideWidth = 1920

// TestAccessibilityAndLayout opens the sign-in, home, schedule, upload,
// session, review, account and admin pages in headless Chromium at 390 and
// 1280 px (and 1920 px for the overflow check), runs axe-core (WCAG 2.1 A and AA rules) on each and fails on any
// serious or critical violation, fails when a page scrolls sideways
// (scrollWidth > clientWidth), and saves a screenshot of each (under
// SCRIBE_ARTIFACTS when set).
func TestAccessibilityAndLayout(t *testing.T) {
	requireTool(t, "chromium")
	axe := chrome.AxeScript(t)
	artifacts := a11yArtifacts(t)

	e := newEnv(t, "", func(c *Config) { c.Now = time.Now })
	e.store.SetClock(time.Now)
	clin := e.addUser("therapist@example.org", store.RoleClinician, false)
	admin := e.addUser("admin@example.org", store.RoleAdmin, false)
	secret := e.enableTOTP(admin)
	if _, err := demo.Load(e.ctx, demo.Options{Store: e.store, Blobs: e.blobs, Clinician: clin.Email, Actor: "cli:test"}); err != nil {
		t.Fatal(err)
	}
	// A session that stopped for want of a transcription model, with the
	// stage row the worker leaves.
	stopped := e.seedSession(clin.Email, store.ProgramMH, store.StatusTranscribing)
	if err := e.store.InTx(e.ctx, func(tx *store.Tx) error {
		reason := "no transcription provider configured (add one with: scribe provider add --use transcription …): not found"
		if err := tx.SetStage(e.ctx, stopped.ID, "transcribe_chunk", 1, store.StateFailed, 1, reason); err != nil {
			return err
		}
		return tx.FailSession(e.ctx, stopped.ID, "transcribe_chunk", reason)
	}); err != nil {
		t.Fatal(err)
	}

	// A booked session today: the day view, and the session page's link,
	// reschedule and upload forms.
	booked, err := e.web.service().ScheduleSession(e.ctx, clin, app.ScheduleInput{ClientAlias: "client-41", Start: time.Now().Add(5 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, errs := chrome.Start(t, chromedp.WindowSize(1280, 900))
	if err := chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/login")); err != nil {
		t.Fatalf("open the app: %v", err)
	}
	a := &a11yRun{t: t, ctx: ctx, errs: errs, axe: axe, dir: artifacts}
	a.harnessFindsFaults()
	a.check("sign-in", e.srv.URL+"/login", `[data-testid=signin-email]`)

	a.do("clinician signs in", chromedp.Navigate(e.srv.URL+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=signin-email]`)),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=signin-email]`), clin.Email),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=signin-password]`), testPassword),
		chromedp.Click(chromedp.CSS(`[data-testid=signin-submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`form.logout`)))
	a.check("home", e.srv.URL+"/", `form.logout`)
	a.check("schedule", e.srv.URL+"/sessions/new", `[data-testid=schedule-session]`)
	a.check("upload", e.srv.URL+"/ingest", `[data-testid=ingest-submit]`)
	a.check("session", e.srv.URL+"/sessions/"+store.SampleSessionID, `[data-testid=pipeline-steps]`)
	a.check("session-stopped", e.srv.URL+"/sessions/"+stopped.ID, `[data-testid=pipeline-status]`)
	a.check("session-booked", e.srv.URL+"/sessions/"+booked.Session.ID, `[data-testid=reschedule-session]`)
	a.check("review", e.srv.URL+"/sessions/"+store.SampleSessionID+"/review", `[data-testid=draft-banner]`)
	a.check("versions", e.srv.URL+"/sessions/"+store.SampleSessionID+"/versions", `main h1`)
	a.check("account", e.srv.URL+"/account", `main h1`)
	a.check("charges", e.srv.URL+"/charges?from=2026-01-01&to=2026-12-31", `[data-testid=charges-form]`)
	a.do("clinician signs out", chromedp.Click(chromedp.CSS(`form.logout button`)), chromedp.WaitVisible(chromedp.CSS(`[data-testid=signin-email]`)))

	a.do("admin signs in", chromedp.Navigate(e.srv.URL+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=signin-email]`)),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=signin-email]`), admin.Email),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=signin-password]`), testPassword),
		chromedp.Click(chromedp.CSS(`[data-testid=signin-submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`input[name=code]`)))
	a.check("totp", "", `input[name=code]`)
	code, err := auth.TOTPCode(secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	a.do("admin second step", chromedp.SendKeys(chromedp.CSS(`input[name=code]`), code+"\r"), chromedp.WaitVisible(chromedp.CSS(`form.logout`)))
	for _, p := range []string{"users", "providers", "clients", "policy", "templates", "ai-statement", "audit", "system"} {
		a.check("admin-"+p, e.srv.URL+"/admin/"+p, `main h1`)
	}
	a.check("admin-session-stopped", e.srv.URL+"/sessions/"+stopped.ID, `[data-testid=failure-fix]`)
	a.report()
}

// TestReviewPageByKeyboard: the review page is usable with the keyboard
// alone — the first Tab reaches the skip link, which moves focus to the
// main content; Tab goes on through the flag summary, the note, the sign
// panel (attestation, password, Sign) in that order; every stop shows a
// visible focus ring; nothing hidden takes focus.
func TestReviewPageByKeyboard(t *testing.T) {
	requireTool(t, "chromium")
	e := newEnv(t, "", func(c *Config) { c.Now = time.Now })
	e.store.SetClock(time.Now)
	clin := e.addUser("therapist@example.org", store.RoleClinician, false)
	if _, err := demo.Load(e.ctx, demo.Options{Store: e.store, Blobs: e.blobs, Clinician: clin.Email, Actor: "cli:test"}); err != nil {
		t.Fatal(err)
	}
	ctx, errs := chrome.Start(t, chromedp.WindowSize(1280, 900))
	a := &a11yRun{t: t, ctx: ctx, errs: errs, dir: a11yArtifacts(t)}
	if err := chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/login")); err != nil {
		t.Fatalf("open the app: %v", err)
	}
	a.do("sign in by keyboard", chromedp.WaitVisible(chromedp.CSS(`[data-testid=signin-email]`)),
		chromedp.Focus(chromedp.CSS(`[data-testid=signin-email]`)),
		chromedp.KeyEvent(clin.Email+"\t"+testPassword+"\r"),
		chromedp.WaitVisible(chromedp.CSS(`form.logout`)),
		chromedp.Navigate(e.srv.URL+"/sessions/"+store.SampleSessionID+"/review"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=draft-banner]`)))
	stops := a.tabWalk(400)
	if len(stops) == 0 || !strings.Contains(stops[0].Desc, "skip") {
		t.Fatalf("the first Tab does not reach the skip link: %v", firstStops(stops, 3))
	}
	idx := func(testid string) int {
		for i, s := range stops {
			if s.TestID == testid {
				return i
			}
		}
		return -1
	}
	t.Logf("%d Tab stops on the review page", len(stops))
	attest, cred, sign := idx("attest"), idx("sign-credential"), idx("sign")
	if attest < 0 || cred < 0 || sign < 0 || !(attest < cred && cred < sign) {
		t.Errorf("Tab does not reach attestation → password → Sign in order (at %d, %d, %d of %d stops)", attest, cred, sign, len(stops))
	}
	if idx("citation") < 0 {
		t.Error("Tab never reaches a citation")
	}
	for _, s := range stops {
		if !s.Ring {
			t.Errorf("no visible focus on %s", s.Desc)
		}
		if s.Hidden {
			t.Errorf("focus lands on something not shown: %s", s.Desc)
		}
	}
	// The skip link moves focus to the main content.
	a.do("skip link", chromedp.Navigate(e.srv.URL+"/sessions/"+store.SampleSessionID+"/review"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=draft-banner]`)),
		chromedp.KeyEvent("\t"), chromedp.KeyEvent("\r"),
		chromedp.Poll[chromedp.Void](`document.activeElement && document.activeElement.id === "main"`, chromedp.WithPollingTimeout(5*time.Second)))
	a.report()
}

type a11yRun struct {
	t        *testing.T
	ctx      context.Context
	errs     func() []string
	axe, dir string
	problems []string
	shots    int
}

func a11yArtifacts(t *testing.T) string {
	dir := os.Getenv("SCRIBE_ARTIFACTS")
	if dir == "" {
		dir = t.TempDir()
	}
	dir = filepath.Join(dir, "web-a11y")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func (a *a11yRun) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	a.t.Helper()
	ctx, cancel := context.WithTimeout(a.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		a.shot("failed-" + strings.ReplaceAll(what, " ", "-"))
		a.t.Fatalf("%s: %v (console errors: %v)", what, err, a.errs())
	}
}

func (a *a11yRun) shot(name string) {
	a.t.Helper()
	buf, err := chromedp.Run(a.ctx, chromedp.FullScreenshot(100)) // 100: PNG
	if err != nil {
		a.t.Errorf("screenshot %s: %v", name, err)
		return
	}
	a.shots++
	if err := os.WriteFile(filepath.Join(a.dir, fmt.Sprintf("%02d-%s.png", a.shots, name)), buf, 0o644); err != nil {
		a.t.Fatal(err)
	}
}

// check opens a page (url "" = the page already open) at each width and
// records axe-core's serious and critical violations and any sideways
// overflow.
func (a *a11yRun) check(name, url, ready string) {
	a.t.Helper()
	for _, w := range a11yWidths {
		steps := []chromedp.Action[chromedp.Void]{chromedp.EmulateViewport(w, 900)}
		if url != "" {
			steps = append(steps, chromedp.Navigate(url))
		}
		a.do(fmt.Sprintf("open %s at %d px", name, w), append(steps, chromedp.WaitVisible(chromedp.CSS(ready)))...)
		over, err := chrome.Overflow(a.ctx)
		if err != nil {
			a.t.Fatal(err)
		}
		if over > 0 {
			wide, _ := chromedp.Run(a.ctx, chromedp.Evaluate[string](widestJS))
			a.problems = append(a.problems, fmt.Sprintf("%s at %d px scrolls sideways by %d px (widest: %s)", name, w, over, wide))
		}
		a.shot(fmt.Sprintf("%s-%d", name, w))
		if a.axe != "" {
			vs, err := chrome.Axe(a.ctx, a.axe)
			if err != nil {
				a.t.Fatalf("%s: %v", name, err)
			}
			for _, v := range vs {
				a.problems = append(a.problems, fmt.Sprintf("%s at %d px: %s", name, w, v))
			}
		}
		if ce := a.errs(); len(ce) > 0 {
			a.t.Fatalf("%s: console errors: %v", name, ce)
		}
	}
	a.do(fmt.Sprintf("%s at %d px", name, wideWidth), chromedp.EmulateViewport(wideWidth, 1080))
	if over, err := chrome.Overflow(a.ctx); err != nil || over > 0 {
		a.problems = append(a.problems, fmt.Sprintf("%s at %d px scrolls sideways by %d px (%v)", name, wideWidth, over, err))
	}
}

// harnessFindsFaults proves the checks are not blind: a page with an
// unlabelled field, text too faint to read and a box wider than the
// window fails both axe-core and the overflow check.
func (a *a11yRun) harnessFindsFaults() {
	a.t.Helper()
	const bad = `data:text/html,<!doctype html><html lang="en"><head><title>bad</title></head><body><main><h1>Bad</h1><input id="x"><p style="color:%23ccc">faint text</p><div style="width:2000px">wide</div></main></body></html>`
	a.do("open a faulty page", chromedp.EmulateViewport(390, 900), chromedp.Navigate(bad), chromedp.WaitVisible(chromedp.CSS(`#x`)))
	vs, err := chrome.Axe(a.ctx, a.axe)
	if err != nil {
		a.t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, v := range vs {
		ids[v.ID] = true
	}
	if !ids["label"] || !ids["color-contrast"] {
		a.t.Fatalf("axe-core did not find the unlabelled field and the faint text: %v", vs)
	}
	if over, err := chrome.Overflow(a.ctx); err != nil || over <= 0 {
		a.t.Fatalf("the overflow check did not find a 2000 px box in a 390 px window (%d, %v)", over, err)
	}
}

func (a *a11yRun) report() {
	a.t.Helper()
	for _, p := range a.problems {
		a.t.Error(p)
	}
	a.t.Logf("screenshots in %s", a.dir)
}

// widestJS names the elements wider than the window, for the message.
const widestJS = `(function(){var w=document.documentElement.clientWidth,out=[];document.querySelectorAll("body *").forEach(function(el){var r=el.getBoundingClientRect();if(r.right>w+1&&out.length<5)out.push(el.tagName.toLowerCase()+(el.id?"#"+el.id:"")+(el.className&&el.className.baseVal===undefined?"."+String(el.className).split(" ").join("."):"")+" right="+Math.round(r.right));});return out.join(", ");})()`

type tabStop struct {
	Desc   string `json:"desc"`
	TestID string `json:"testid"`
	Ring   bool   `json:"ring"`   // a visible focus indicator (outline or shadow)
	Hidden bool   `json:"hidden"` // zero size or invisible
}

// tabWalk presses Tab from the top of the page until focus comes back to
// where it started (or max presses) and describes every stop.
func (a *a11yRun) tabWalk(max int) []tabStop {
	a.t.Helper()
	const describe = `(function(){var el=document.activeElement;if(!el||el===document.body)return null;var cs=getComputedStyle(el),r=el.getBoundingClientRect();
var ring=(cs.outlineStyle!=="none"&&parseFloat(cs.outlineWidth)>=1)||(cs.boxShadow&&cs.boxShadow!=="none");
var d=el.tagName.toLowerCase()+(el.id?"#"+el.id:"")+(el.className?"."+String(el.className).split(" ").join("."):"")+" "+(el.textContent||el.value||"").trim().slice(0,30);
return {desc:d,testid:el.getAttribute("data-testid")||"",ring:!!ring,hidden:(r.width===0&&r.height===0)||cs.visibility==="hidden"};})()`
	if _, err := chromedp.Run(a.ctx, chromedp.Evaluate[bool](`(document.activeElement&&document.activeElement.blur&&document.activeElement.blur(),window.scrollTo(0,0),true)`)); err != nil {
		a.t.Fatal(err)
	}
	var stops []tabStop
	seen := map[string]bool{}
	for i := 0; i < max; i++ {
		a.do("press Tab", chromedp.KeyEvent("\t"))
		s, err := chromedp.Run(a.ctx, chromedp.Evaluate[*tabStop](describe))
		if err != nil {
			a.t.Fatal(err)
		}
		if s == nil {
			break // back at the top: focus left the page
		}
		key := s.Desc + "|" + s.TestID
		if seen[key] && i > 5 && len(stops) > 0 && stops[0].Desc == s.Desc {
			break
		}
		seen[key] = true
		stops = append(stops, *s)
	}
	return stops
}

func firstStops(s []tabStop, n int) []tabStop {
	if len(s) > n {
		return s[:n]
	}
	return s
}
