package capture

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/scribe-health/scribe/capture/capturetest"
)

// TestBrowserWaitingPage: a client who opens the link before the clinician
// has started sees a waiting page with the appointment time in the
// browser's own time zone (the server sends UTC), and the page goes on to
// the consent question by itself when the clinician arrives. Once the
// session is over, the link says so.
func TestBrowserWaitingPage(t *testing.T) {
	wav, _ := capturetest.SynthSpeech(t, speechText)
	// 08:30 UTC two days from now is 14:00 in Kolkata (UTC+5:30, no DST).
	day := time.Now().UTC().Add(48 * time.Hour)
	start := time.Date(day.Year(), day.Month(), day.Day(), 8, 30, 0, 0, time.UTC)
	k := &keeperBackend{memBackend: newMemBackend(), info: CallInfo{Schedule: Schedule{Start: start, End: start.Add(50 * time.Minute), Deadline: start.Add(80 * time.Minute)}}}
	_, srv := startRelay(t, RelayConfig{}, k)
	k.addToken("tok-browser", "s-wait", client, 72*time.Hour)
	k.addToken("tok-clin", "s-wait", clinician, 72*time.Hour)
	url := srv.URL + "/call/s-wait?token=tok-browser"

	ctx, consoleErrors := browser(t, wav)
	if _, err := chromedp.Call(ctx, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: "Asia/Kolkata"}); err != nil {
		t.Fatalf("time zone override: %v", err)
	}
	if _, err := chromedp.Call(ctx, emulation.SetLocaleOverride, emulation.SetLocaleOverrideParams{Locale: "en_GB"}); err != nil {
		t.Fatalf("locale override: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		t.Fatalf("open call page: %v", err)
	}
	pg := &page{t: t, name: "client", ctx: ctx, errs: consoleErrors}
	pg.step("the waiting page", 15*time.Second, chromedp.WaitVisible(chromedp.CSS(`[data-testid=waiting]`)))
	text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("[data-testid=waiting-text]").textContent`))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("waiting page: %q", text)
	wantDay := start.In(time.FixedZone("IST", 5*3600+1800)).Format("2 January")
	if !strings.Contains(text, "will start the session on") || !strings.Contains(text, "at 14:00") || !strings.Contains(text, wantDay) {
		t.Errorf("waiting text %q; want the start in the browser's time zone: on … %s at 14:00", text, wantDay)
	}
	if v, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("consent").hidden`)); err != nil || !v {
		t.Errorf("the consent question is shown before the clinician arrived (hidden=%v, %v)", v, err)
	}

	// The clinician arrives: the page goes on to consent by itself.
	clin, refused := capturetest.Dial(t, srv.URL, "s-wait", "tok-clin")
	if clin == nil {
		t.Fatalf("clinician refused: %s", refused)
	}
	pg.step("consent after the clinician arrived", 15*time.Second,
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=consent-accept]`)),
		chromedp.WaitNotVisible(chromedp.CSS(`[data-testid=waiting]`)),
	)
	clin.End()
	pg.step("the end shown", 15*time.Second, chromedp.WaitNotVisible(chromedp.CSS(`[data-testid=consent-accept]`)))
	k.waitFor(t, 10*time.Second, "CallEnded", func() bool { return endedCalls(k.memBackend) == 1 })

	// The session is over: the link says so, in plain words.
	k.endAll(ErrSessionEnded)
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		t.Fatal(err)
	}
	status, err := chromedp.Run(ctx, chromedp.Poll[string](`(t => t.startsWith("This session has ended") ? t : null)(document.getElementById("status").textContent)`, chromedp.WithPollingTimeout(15*time.Second)))
	if err != nil {
		s, _ := chromedp.Run(context.WithoutCancel(ctx), chromedp.Evaluate[string](`document.getElementById("status").textContent`))
		t.Fatalf("the link of an ended session shows %q (%v)", s, err)
	}
	t.Logf("ended session page: %q", status)
	if errs := consoleErrors(); len(errs) > 0 {
		t.Errorf("page logged errors: %v", errs)
	}
}
