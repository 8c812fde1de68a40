package capture

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/scribe-health/scribe/capture/capturetest"
	"github.com/scribe-health/scribe/internal/testenv/chrome"
)

// TestCallPageAccessibility: the client's call page — the consent question
// and the call itself — has no serious or critical axe-core (WCAG 2.1 A/AA)
// violation and does not scroll sideways at 390 or 1280 px, and a client
// gets through it with the keyboard alone: Tab to "I consent", Enter; Tab
// to "Join the call", Enter; Tab to "Mute microphone", Space mutes it.
// Screenshots go to SCRIBE_ARTIFACTS/call-a11y when set.
func TestCallPageAccessibility(t *testing.T) {
	axe := chrome.AxeScript(t)
	wav, _ := capturetest.SynthSpeech(t, speechText)
	b := newMemBackend()
	_, srv := startRelay(t, RelayConfig{}, b)
	clin, _, _ := clinicianFirst(t, srv.URL, b, "s-a11y")
	defer clin.End()
	pg := openPage(t, "client", wav, srv.URL+"/call/s-a11y?token=tok-browser")

	dir := os.Getenv("SCRIBE_ARTIFACTS")
	if dir == "" {
		dir = t.TempDir()
	}
	dir = filepath.Join(dir, "call-a11y")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	check := func(name string) {
		t.Helper()
		for _, w := range []int64{390, 1280} {
			pg.step(fmt.Sprintf("%s at %d px", name, w), 10*time.Second, chromedp.EmulateViewport(w, 900))
			if over, err := chrome.Overflow(pg.ctx); err != nil || over > 0 {
				t.Errorf("%s at %d px scrolls sideways by %d px (%v)", name, w, over, err)
			}
			if png, err := chromedp.Run(pg.ctx, chromedp.FullScreenshot(100)); err == nil {
				os.WriteFile(filepath.Join(dir, fmt.Sprintf("%s-%d.png", name, w)), png, 0o644)
			}
			vs, err := chrome.Axe(pg.ctx, axe)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			for _, v := range vs {
				t.Errorf("%s at %d px: %s", name, w, v)
			}
		}
	}
	// tabTo presses Tab until the element with the test id has focus.
	tabTo := func(testid string) {
		t.Helper()
		var seen []string
		for i := 0; i < 30; i++ {
			pg.step("press Tab", 5*time.Second, chromedp.KeyEvent("\t"))
			at, err := chromedp.Run(pg.ctx, chromedp.Evaluate[string](`document.activeElement ? (document.activeElement.getAttribute("data-testid") || document.activeElement.tagName.toLowerCase() + "#" + document.activeElement.id) : ""`))
			if err != nil {
				t.Fatal(err)
			}
			seen = append(seen, at)
			if at == testid {
				ring, _ := chromedp.Run(pg.ctx, chromedp.Evaluate[bool](`(function(){var cs=getComputedStyle(document.activeElement);return cs.outlineStyle!=="none"&&parseFloat(cs.outlineWidth)>=1||cs.boxShadow!=="none";})()`))
				if !ring {
					t.Errorf("%s has no visible focus", testid)
				}
				return
			}
		}
		t.Fatalf("Tab never reaches %s (focus went to %v)", testid, seen)
	}

	pg.step("the consent question", 15*time.Second, chromedp.WaitVisible(chromedp.CSS(`[data-testid=consent-accept]`)))
	check("consent")
	tabTo("consent-accept")
	pg.step("consent by keyboard", 15*time.Second, chromedp.KeyEvent("\r"), chromedp.WaitVisible(chromedp.CSS(`[data-testid=join]:not([disabled])`)))
	tabTo("join")
	pg.step("join by keyboard", 20*time.Second, chromedp.KeyEvent("\r"), chromedp.WaitVisible(chromedp.CSS(`[data-testid=recording-indicator]`)), chromedp.WaitVisible(chromedp.CSS(`[data-testid=mute]`)), chromedp.WaitNotVisible(chromedp.CSS(`#consent`)))
	check("call")
	tabTo("mute")
	pg.step("mute by keyboard", 10*time.Second, chromedp.KeyEvent(" "),
		chromedp.Poll[chromedp.Void](`document.querySelector("[data-testid=mute]").getAttribute("aria-pressed") === "true"`, chromedp.WithPollingTimeout(5*time.Second)))
	if errs := pg.errs(); len(errs) > 0 {
		t.Errorf("page logged errors: %v", errs)
	}
}
