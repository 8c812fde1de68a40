package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/scribe-health/scribe/internal/fakeopenai"
	"github.com/scribe-health/scribe/internal/testenv"
	"github.com/scribe-health/scribe/internal/testenv/chrome"
)

// TestProductEndToEnd is Scribe as a therapist and a client use it, with
// nothing simulated but the model provider (a fake OpenAI-compatible API
// that transcribes with pocketsphinx): `scribe serve`; the therapist,
// invited with `scribe user add`, chooses a password, signs in, schedules a
// session and starts the call from the session page in Chromium; the
// client opens the client link in another Chromium, consents and joins;
// both speak through their (fake-device) microphones; the therapist ends
// the call; the session page follows the pipeline to a ready draft, and the
// review page shows what each said under the right speaker; /metrics
// (behind its bearer token) shows the series of every step (metrics_test.go).
func TestProductEndToEnd(t *testing.T) {
	for _, tool := range []string{"chromium", "pocketsphinx_continuous", "flite", "sox"} {
		testenv.Tool(t, tool)
	}
	dir := t.TempDir()
	t.Setenv("SCRIBE_MASTER_KEY", "")
	t.Setenv("DATABASE_URL", "")
	t.Setenv("SCRIBE_BLOB_STORE", "")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	base := "http://" + addr
	t.Setenv("SCRIBE_PUBLIC_URL", base)

	fake := fakeopenai.New("whisper-x", "notes-x")
	defer fake.Close()
	fake.Inject(fakeopenai.ChatCompletions, fakeopenai.Fault{Status: http.StatusServiceUnavailable}) // retried; counted in /metrics
	mustCLI(t, dir, "provider", "add", "--name", "asr", "--base-url", fake.BaseURL(), "--model", "whisper-x", "--use", "transcription", "--self-hosted")
	mustCLI(t, dir, "provider", "add", "--name", "llm", "--base-url", fake.BaseURL(), "--model", "notes-x", "--use", "drafting", "--self-hosted")
	out := mustCLI(t, dir, "user", "add", "--email", "therapist@example.org", "--role", "clinician")
	invite := regexp.MustCompile(`/invite\?token=\S+`).FindString(out)
	if invite == "" {
		t.Fatalf("no invite link in:\n%s", out)
	}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--addr", addr, "--data-dir", dir, "--workers", "2", "--metrics-token", e2eMetricsToken, "--audit-checkpoint-every", "1"}, io.Discard, io.Discard)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Error("serve did not stop")
		}
	})
	r, err := awaitReady(base)
	if err != nil {
		t.Fatalf("serve did not come up: %v", err)
	}
	r.Body.Close()
	if r.StatusCode != http.StatusOK {
		t.Fatalf("/readyz: HTTP %d", r.StatusCode)
	}

	speech := func(text string) string {
		p := filepath.Join(t.TempDir(), "mic.wav")
		pcm := testenv.Concat(testenv.Silence(400), testenv.Speech(t, text), testenv.Silence(1500))
		if err := os.WriteFile(p, testenv.WAV(16000, pcm), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	browser := func(name, mic string) (context.Context, func(string, time.Duration, ...chromedp.Action[chromedp.Void])) {
		ctx, errs := chrome.Start(t, chromedp.WindowSize(1280, 900),
			chromedp.Flag("use-fake-ui-for-media-stream", true),
			chromedp.Flag("use-fake-device-for-media-stream", true),
			chromedp.Flag("use-file-for-fake-audio-capture", mic),
			chromedp.Flag("autoplay-policy", "no-user-gesture-required"))
		if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil { // starts the browser
			t.Fatalf("%s: start Chromium: %v", name, err)
		}
		return ctx, func(what string, d time.Duration, steps ...chromedp.Action[chromedp.Void]) {
			t.Helper()
			sctx, cancel := context.WithTimeout(ctx, d)
			defer cancel()
			if err := chromedp.Do(sctx, steps...); err != nil {
				t.Fatalf("%s: %s: %v (console errors: %v)", name, what, err, errs())
			}
			if ce := errs(); len(ce) > 0 {
				t.Fatalf("%s: %s: console errors: %v", name, what, ce)
			}
		}
	}
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	therapist, tStep := browser("therapist", speech("how have you been sleeping this week"))
	tStep("choose a password", 15*time.Second,
		chromedp.Navigate(base+invite),
		chromedp.WaitVisible(css(`#password`)),
		chromedp.SendKeys(css(`#password`), "correct horse battery staple"),
		chromedp.SendKeys(css(`#confirm`), "correct horse battery staple"),
		chromedp.Click(css(`form[action="/invite"] button[type=submit]`)),
		chromedp.WaitVisible(css(`[data-testid=signin-email]`)))
	tStep("sign in", 15*time.Second,
		chromedp.SendKeys(css(`[data-testid=signin-email]`), "therapist@example.org"),
		chromedp.SendKeys(css(`[data-testid=signin-password]`), "correct horse battery staple"),
		chromedp.Click(css(`[data-testid=signin-submit]`)),
		chromedp.WaitVisible(css(`form.logout`)))
	tStep("schedule a session", 15*time.Second,
		chromedp.Navigate(base+"/sessions/new"),
		chromedp.WaitVisible(css(`[data-testid=schedule-session]`)),
		chromedp.SendKeys(css(`#alias`), "client-e2e"),
		chromedp.Click(css(`[data-testid=schedule-session]`)),
		chromedp.WaitVisible(css(`[data-testid=join-link]`)))
	links, err := chromedp.Run(therapist, chromedp.Evaluate[[]string](`[...document.querySelectorAll("[data-testid=join-link]")].map(e => e.value)`))
	if err != nil || len(links) != 2 {
		t.Fatalf("join links %v: %v", links, err)
	}
	var clientLink string
	for _, l := range links {
		if !strings.HasPrefix(l, base+"/call/") {
			t.Fatalf("join link %q is not on this server", l)
		}
		clientLink = l // the client's is the second
	}
	sessionID := strings.SplitN(strings.TrimPrefix(clientLink, base+"/call/"), "?", 2)[0]

	tStep("start the call from the session page", 20*time.Second,
		chromedp.Navigate(base+"/sessions/"+sessionID),
		chromedp.Click(css(`[data-testid=start-call]`)),
		chromedp.WaitVisible(css(`[data-testid=consent-accept]`)),
		chromedp.Click(css(`[data-testid=consent-accept]`)),
		chromedp.WaitVisible(css(`[data-testid=join]:not([disabled])`)),
		chromedp.Click(css(`[data-testid=join]`)))

	_, cStep := browser("client", speech("i want to call my family more often"))
	cStep("consent and join", 20*time.Second,
		chromedp.Navigate(clientLink),
		chromedp.WaitVisible(css(`[data-testid=consent-accept]`)),
		chromedp.Click(css(`[data-testid=consent-accept]`)),
		chromedp.WaitVisible(css(`[data-testid=join]:not([disabled])`)),
		chromedp.Click(css(`[data-testid=join]`)),
		chromedp.WaitVisible(css(`[data-testid=recording-indicator]`)),
		chromedp.WaitVisible(css(`#tiles figure:nth-child(2) video`)))
	tStep("recording, with the client's tile", 20*time.Second,
		chromedp.WaitVisible(css(`[data-testid=recording-indicator]`)),
		chromedp.WaitVisible(css(`#tiles figure:nth-child(2) video`)))
	metricsDuringCall(t, base)
	time.Sleep(12 * time.Second) // each microphone says its sentence a few times

	tStep("end the call", 15*time.Second,
		chromedp.Click(css(`[data-testid=end]`)),
		chromedp.WaitNotVisible(css(`#call`)))
	tStep("the session page follows the pipeline to a ready draft", 3*time.Minute,
		chromedp.Navigate(base+"/sessions/"+sessionID),
		chromedp.WaitVisible(css(`[data-testid=open-review]`)))
	tStep("review", 15*time.Second,
		chromedp.Click(css(`[data-testid=open-review]`)),
		chromedp.WaitVisible(css(`[data-testid=draft-banner]`)))
	segs, err := chromedp.Run(therapist, chromedp.Evaluate[[]string](`[...document.querySelectorAll("[data-testid=transcript-segment]")].map(e => e.textContent.toLowerCase())`))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("transcript: %q", segs)
	for speaker, keyword := range map[string]string{"clinician": "sleeping", "client": "family"} {
		found := false
		for _, s := range segs {
			if strings.Contains(s, keyword) {
				found = true
				if !strings.HasPrefix(s, speaker) {
					t.Errorf("%q is under the wrong speaker: %q", keyword, s)
				}
			}
		}
		if !found {
			t.Errorf("%q (the %s's sentence) is not in the transcript", keyword, speaker)
		}
	}
	if p := fake.Problems(); len(p) > 0 {
		t.Fatalf("the fake model API found problems with what it was sent: %v", p)
	}
	metricsAfterEndToEnd(t, base, dir, sessionID)
}
