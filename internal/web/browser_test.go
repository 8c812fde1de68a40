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

	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/testenv"
	"github.com/scribe-health/scribe/internal/testenv/chrome"
)

// TestBrowserScheduleIngestReviewSign drives the real app in headless
// Chromium by keyboard-free clicks on the data-testid hooks: sign in,
// schedule a session and see its join links, upload a recording of real
// speech (flite) that goes through the real pipeline (transcription by
// pocketsphinx behind the fake OpenAI API, redaction, drafting), open the
// review page, follow a citation, resolve the flags, edit a section
// (autosave), attest and sign, and find the note locked. Every page is
// saved as a screenshot; any console error or uncaught exception fails it.
func TestBrowserScheduleIngestReviewSign(t *testing.T) {
	requireTool(t, "chromium") // before the costly set-up below
	requireTool(t, "pocketsphinx_continuous")
	clin := testenv.Concat(testenv.Speech(t, "how have you been sleeping since our last session"), testenv.Silence(800),
		testenv.Silence(3000), testenv.Speech(t, "we will meet again next week and review your plan"), testenv.Silence(800))
	client := testenv.Concat(testenv.Silence(3500), testenv.Speech(t, "i have been sleeping better but work makes me anxious"), testenv.Silence(3500))
	wavPath := filepath.Join(t.TempDir(), "session.wav")
	if err := os.WriteFile(wavPath, testenv.WAV(16000, clin, client), 0o600); err != nil {
		t.Fatal(err)
	}
	artifacts := os.Getenv("SCRIBE_ARTIFACTS")
	if artifacts == "" {
		artifacts = t.TempDir()
	}
	artifacts = filepath.Join(artifacts, "web-browser")
	if err := os.MkdirAll(artifacts, 0o755); err != nil {
		t.Fatal(err)
	}

	e, fake := pipelineEnv(t, nil)
	e.addUser("therapist@example.org", store.RoleClinician, false)

	ctx, errs := chrome.Start(t, chromedp.WindowSize(1280, 900))
	shot := 0
	screenshot := func(name string) {
		t.Helper()
		buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		shot++
		p := filepath.Join(artifacts, fmt.Sprintf("%02d-%s.png", shot, name))
		if err := os.WriteFile(p, buf, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	step := func(what string, d time.Duration, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, d)
		defer cancel()
		if err := chromedp.Do(sctx, steps...); err != nil {
			screenshot("failed-" + strings.ReplaceAll(what, " ", "-"))
			t.Fatalf("%s: %v (console errors: %v)", what, err, errs())
		}
		if ce := errs(); len(ce) > 0 {
			screenshot("console-error")
			t.Fatalf("%s: console errors: %v", what, ce)
		}
	}
	eval := func(expr string) bool {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		if err != nil {
			t.Fatalf("evaluate %s: %v", expr, err)
		}
		return v
	}
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }

	// The first Do starts the browser.
	if err := chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/")); err != nil {
		t.Fatalf("open the app: %v", err)
	}
	step("sign-in page", 10*time.Second, chromedp.WaitVisible(css(`[data-testid=signin-email]`)))
	screenshot("sign-in")
	step("sign in", 15*time.Second,
		chromedp.SendKeys(css(`[data-testid=signin-email]`), "therapist@example.org"),
		chromedp.SendKeys(css(`[data-testid=signin-password]`), testPassword),
		chromedp.Click(css(`[data-testid=signin-submit]`)),
		chromedp.WaitVisible(css(`form.logout`)))
	screenshot("sessions")

	step("schedule", 15*time.Second,
		chromedp.Navigate(e.srv.URL+"/sessions/new"),
		chromedp.WaitVisible(css(`[data-testid=schedule-session]`)),
		chromedp.SendKeys(css(`#alias`), "client-17"),
		chromedp.Click(css(`[data-testid=schedule-session]`)),
		chromedp.WaitVisible(css(`[data-testid=join-link]`)))
	if !eval(`document.querySelectorAll('[data-testid=join-link]').length === 2 && document.querySelector('[data-testid=join-link]').value.indexOf('/call/') > 0`) {
		t.Fatal("the scheduled session does not show a clinician and a client join link")
	}
	screenshot("scheduled")

	step("upload", 30*time.Second,
		chromedp.Navigate(e.srv.URL+"/ingest"),
		chromedp.WaitVisible(css(`[data-testid=ingest-submit]`)),
		chromedp.SetUploadFiles(css(`[data-testid=ingest-file]`), []string{wavPath}),
		chromedp.SendKeys(css(`#alias`), "client-18"),
		chromedp.Click(css(`[data-testid=ingest-consent]`)),
		chromedp.Click(css(`[data-testid=ingest-submit]`)),
		chromedp.WaitVisible(css(`[data-testid=pipeline-status]`)))
	screenshot("session-progress")
	step("pipeline finishes", 3*time.Minute, chromedp.WaitVisible(css(`[data-testid=open-review]`)))
	screenshot("session-ready")

	step("open review", 15*time.Second,
		chromedp.Click(css(`[data-testid=open-review]`)),
		chromedp.WaitVisible(css(`[data-testid=draft-banner]`)))
	screenshot("review")
	if !eval(`document.querySelectorAll('[data-testid=citation]').length > 0 && document.querySelectorAll('[data-testid=transcript-segment]').length >= 3`) {
		t.Fatal("the review page has no citations or transcript segments")
	}
	step("follow a citation", 10*time.Second, chromedp.Click(css(`[data-testid=citation]`)))
	if !eval(`(function(){var a=document.querySelector('[data-testid=citation]');var s=document.getElementById('seg-'+a.getAttribute('data-seg'));return s.classList.contains('hl') && document.activeElement===s;})()`) {
		t.Fatal("following a citation did not highlight and focus its transcript segment")
	}
	screenshot("citation")

	for i := 0; eval(`document.querySelector('[data-testid=flag-resolve]') !== null`); i++ {
		if i > 10 {
			t.Fatal("flags do not go away when resolved")
		}
		step("give a reason", 15*time.Second, chromedp.SendKeys(css(`[data-testid=flag-reason]`), "reviewed with the client in session"))
		// Click and wait for the reloaded page itself, so the next round never
		// acts on the page that is going away.
		rctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		resp, err := chromedp.RunResponse(rctx, chromedp.Click(css(`[data-testid=flag-resolve]`)))
		cancel()
		if err != nil || resp == nil || resp.Status != 200 {
			screenshot("failed-resolve-a-flag")
			t.Fatalf("resolve a flag: %v (console errors: %v)", err, errs())
		}
		step("review page after resolving", 15*time.Second, chromedp.WaitVisible(css(`[data-testid=draft-banner]`)))
	}
	screenshot("flags-resolved")

	step("open an editor", 10*time.Second, chromedp.Click(css(`details.edit summary`)), chromedp.WaitVisible(css(`[data-testid=section-edit]`)))
	if !eval(`(document.querySelector('[data-testid=section-edit]').value = '', true)`) {
		t.Fatal("could not clear the editor")
	}
	step("edit a section", 15*time.Second,
		chromedp.SendKeys(css(`[data-testid=section-edit]`), "Client reports better sleep; work-related anxiety continues."),
		chromedp.Poll[chromedp.Void](`document.querySelector("form.autosave[data-saved]") !== null`, chromedp.WithPollingTimeout(10*time.Second)))
	screenshot("edited")
	step("sign", 15*time.Second,
		chromedp.Navigate(e.srv.URL+mustLocation(t, ctx)),
		chromedp.WaitVisible(css(`[data-testid=attest]`)),
		chromedp.Click(css(`[data-testid=attest]`)),
		chromedp.SendKeys(css(`[data-testid=sign-credential]`), testPassword),
		chromedp.Click(css(`[data-testid=sign]`)),
		chromedp.WaitVisible(css(`[data-testid=signed-by]`)))
	screenshot("signed")
	if !eval(`document.querySelector('[data-testid=draft-banner]') === null && document.querySelector('[data-testid=section-edit]') === null && document.querySelector('[data-testid=sign]') === null && document.body.textContent.indexOf('work-related anxiety continues') >= 0`) {
		t.Fatal("the signed note is not locked or lost the edit")
	}
	if p := fake.Problems(); len(p) > 0 {
		t.Fatalf("the fake OpenAI API found problems: %v", p)
	}
	t.Logf("screenshots in %s", artifacts)
}

func mustLocation(t *testing.T, ctx context.Context) string {
	t.Helper()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	i := strings.Index(loc, "/sessions/")
	if i < 0 {
		t.Fatalf("not on a session page: %s", loc)
	}
	return strings.SplitN(loc[i:], "#", 2)[0]
}
