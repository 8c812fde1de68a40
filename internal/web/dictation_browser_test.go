package web

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/scribe-health/scribe/drafts"
	"github.com/scribe-health/scribe/internal/pipeline"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/testenv"
	"github.com/scribe-health/scribe/internal/testenv/chrome"
)

// TestBrowserDictation: the client declined recording, so the call ended
// with nothing kept; the clinician dictates a recap on the session page
// (dictate-start / dictate-stop) with Chromium's fake microphone playing
// flite speech. The browser's Opus recording is uploaded at Stop, goes
// through the real pipeline (decode, transcription by pocketsphinx behind
// the fake API, redaction, drafting), and the review page says the note
// was drafted from clinician dictation. No client consent is on file, and
// none is asked for.
func TestBrowserDictation(t *testing.T) {
	requireTool(t, "chromium")
	requireTool(t, "pocketsphinx_continuous")
	recap := testenv.Concat(testenv.Silence(500), testenv.Speech(t, "the client reported sleeping better this week"), testenv.Silence(800),
		testenv.Speech(t, "we reviewed the safety plan and will meet next week"), testenv.Silence(1500))
	mic := filepath.Join(t.TempDir(), "recap.wav")
	if err := os.WriteFile(mic, testenv.WAV(16000, recap), 0o600); err != nil {
		t.Fatal(err)
	}

	e, fake := pipelineEnv(t, nil)
	e.addUser("therapist@example.org", store.RoleClinician, false)
	declined := e.seedSession("therapist@example.org", "mh", store.StatusNoRecording)

	ctx, errs := chrome.Start(t, chromedp.WindowSize(1280, 900),
		chromedp.Flag("use-fake-ui-for-media-stream", true),
		chromedp.Flag("use-fake-device-for-media-stream", true),
		chromedp.Flag("use-file-for-fake-audio-capture", mic))
	step := func(what string, d time.Duration, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, d)
		defer cancel()
		if err := chromedp.Do(sctx, steps...); err != nil {
			t.Fatalf("%s: %v (console errors: %v)", what, err, errs())
		}
		if ce := errs(); len(ce) > 0 {
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

	if err := chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/")); err != nil {
		t.Fatalf("open the app: %v", err)
	}
	step("sign in", 20*time.Second,
		chromedp.WaitVisible(css(`[data-testid=signin-email]`)),
		chromedp.SendKeys(css(`[data-testid=signin-email]`), "therapist@example.org"),
		chromedp.SendKeys(css(`[data-testid=signin-password]`), testPassword),
		chromedp.Click(css(`[data-testid=signin-submit]`)),
		chromedp.WaitVisible(css(`form.logout`)))
	step("session page", 15*time.Second,
		chromedp.Navigate(e.srv.URL+"/sessions/"+declined.ID),
		chromedp.WaitVisible(css(`[data-testid=dictate-start]`)))
	if !eval(`document.querySelector('[data-testid=dictate-stop]').disabled && document.querySelector('[data-testid=upload-consent]') === null`) {
		t.Fatal("before dictating, Stop should be disabled and no consent should be asked")
	}
	step("start dictating", 15*time.Second,
		chromedp.Click(css(`[data-testid=dictate-start]`)),
		chromedp.Poll[chromedp.Void](`document.querySelector('[data-dictate][data-recording]') !== null && !document.querySelector('[data-testid=dictate-stop]').disabled`,
			chromedp.WithPollingTimeout(10*time.Second)))
	// Record a little over the recap's length (the fake microphone loops it).
	step("dictate", 60*time.Second, chromedp.Poll[chromedp.Void](`/…\s0:(0[7-9]|[1-5]\d)$/.test(document.querySelector('[data-testid=dictate-status]').textContent)`,
		chromedp.WithPollingTimeout(50*time.Second)))
	step("stop", 15*time.Second, chromedp.Click(css(`[data-testid=dictate-stop]`)))
	// The page uploads, then goes to the session, which now has its
	// recording (no dictation controls); the navigation interrupts any
	// evaluation, so the condition is asked again until it holds.
	until := time.Now().Add(90 * time.Second)
	for {
		v, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.readyState === 'complete' && location.pathname === '/sessions/`+declined.ID+`' && document.querySelector('[data-testid=dictate-start]') === null && document.querySelector('[data-testid=pipeline-status]') !== null`))
		if err == nil && v {
			break
		}
		if time.Now().After(until) {
			t.Fatalf("the dictation was not uploaded: %v (console errors: %v)", err, errs())
		}
		time.Sleep(200 * time.Millisecond)
	}
	step("pipeline finishes", 3*time.Minute, chromedp.WaitVisible(css(`[data-testid=open-review]`)))
	step("open review", 15*time.Second,
		chromedp.Click(css(`[data-testid=open-review]`)),
		chromedp.WaitVisible(css(`[data-testid=draft-source]`)))
	if !eval(`document.querySelector('[data-testid=draft-source]').textContent.indexOf(` + jsString(drafts.DictationLabel) + `) === 0 && document.querySelectorAll('[data-testid=transcript-segment]').length > 0`) {
		t.Fatal("the review page does not label the note as drafted from clinician dictation, or has no transcript")
	}
	if eval(`document.querySelector('[data-testid=flag-summary-item][data-code=consent_missing]') !== null`) {
		t.Fatal("a dictation asks for the client's AI-scribe consent")
	}

	sess, err := e.store.Session(e.ctx, declined.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !sess.Dictation() || sess.ConsentAttestedBy != "" {
		t.Fatalf("session source %q, attested by %q; want a dictation with no attestation", sess.Source, sess.ConsentAttestedBy)
	}
	chunks, err := e.store.Chunks(e.ctx, declined.ID)
	if err != nil || len(chunks) == 0 {
		t.Fatalf("chunks: %v, %d", err, len(chunks))
	}
	for _, c := range chunks {
		if c.Speaker != pipeline.SpeakerClinician {
			t.Fatalf("dictation chunk speaker %q, want clinician only", c.Speaker)
		}
	}
	if len(fake.Transcriptions()) == 0 || len(fake.Chats()) == 0 {
		t.Fatalf("the provider saw %d transcriptions and %d drafting calls", len(fake.Transcriptions()), len(fake.Chats()))
	}
	if p := fake.Problems(); len(p) > 0 {
		t.Fatalf("the fake OpenAI API found problems: %v", p)
	}
	actions := strings.Join(e.auditActions(), " ")
	if !strings.Contains(actions, "session.ingest") {
		t.Fatalf("no ingest audit entry: %s", actions)
	}
}

// jsString quotes s as a JavaScript string literal (s has no quote or backslash).
func jsString(s string) string { return "'" + s + "'" }
