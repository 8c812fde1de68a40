package main

import (
	"context"
	"fmt"
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

	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/testenv/chrome"
)

// TestQuickStartSample follows the README's quick start as far as the
// sample goes, with no model at all: `scribe user add` a clinician, `scribe
// demo --clinician`, `scribe serve`; in Chromium the clinician chooses a
// password, signs in, finds the SAMPLE session marked in the list, on its
// page and on its review page (banner, citations, a flag), and the plain
// text export begins with the SAMPLE marker; then writes the risk statement
// the flag asks for, edits one sentence (the other citations stay), signs
// with a wrong password first (error beside the field, attestation kept),
// signs and copies the note.
func TestQuickStartSample(t *testing.T) {
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

	out := mustCLI(t, dir, "user", "add", "--email", "you@example.org") // a clinician, as the README says
	invite := regexp.MustCompile(`/invite\?token=\S+`).FindString(out)
	if invite == "" {
		t.Fatalf("no invite link in:\n%s", out)
	}
	if out := mustCLI(t, dir, "demo", "--clinician", "you@example.org"); !strings.Contains(out, "Loaded the SAMPLE client") {
		t.Fatalf("scribe demo:\n%s", out)
	}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--addr", addr, "--data-dir", dir, "--workers", "1"}, io.Discard, io.Discard)
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

	bctx, errs := chrome.Start(t, chromedp.WindowSize(1280, 900))
	if err := chromedp.Do(bctx, chromedp.Navigate("about:blank")); err != nil { // starts the browser
		t.Fatalf("start Chromium: %v", err)
	}
	step := func(what string, d time.Duration, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(bctx, d)
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
		v, err := chromedp.Run(bctx, chromedp.Evaluate[bool](expr))
		if err != nil {
			t.Fatalf("evaluate %s: %v", expr, err)
		}
		return v
	}
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	artifacts := os.Getenv("SCRIBE_ARTIFACTS")
	if artifacts == "" {
		artifacts = t.TempDir()
	}
	artifacts = filepath.Join(artifacts, "quickstart-sample")
	if err := os.MkdirAll(artifacts, 0o755); err != nil {
		t.Fatal(err)
	}
	shot := 0
	screenshot := func(name string) {
		t.Helper()
		buf, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		shot++
		if err := os.WriteFile(filepath.Join(artifacts, fmt.Sprintf("%02d-%s.png", shot, name)), buf, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	step("choose a password", 15*time.Second,
		chromedp.Navigate(base+invite),
		chromedp.WaitVisible(css(`#password`)),
		chromedp.SendKeys(css(`#password`), "correct horse battery staple"),
		chromedp.SendKeys(css(`#confirm`), "correct horse battery staple"),
		chromedp.Click(css(`form[action="/invite"] button[type=submit]`)),
		chromedp.WaitVisible(css(`[data-testid=signin-email]`)))
	step("sign in", 15*time.Second,
		chromedp.SendKeys(css(`[data-testid=signin-email]`), "you@example.org"),
		chromedp.SendKeys(css(`[data-testid=signin-password]`), "correct horse battery staple"),
		chromedp.Click(css(`[data-testid=signin-submit]`)),
		chromedp.WaitVisible(css(`form.logout`)))
	step("the session list marks the sample", 15*time.Second,
		chromedp.Navigate(base+"/sessions"),
		chromedp.WaitVisible(css(`tr [data-testid=sample-badge]`)))
	if !eval(`(function(){var b=document.querySelector('tr [data-testid=sample-badge]');return b.textContent.trim()==='SAMPLE' && b.closest('tr').textContent.indexOf('` + store.SampleAlias + `')>=0;})()`) {
		t.Fatal("the sample's row does not carry the SAMPLE badge beside its alias")
	}
	screenshot("sessions")
	step("open the sample session", 15*time.Second,
		chromedp.Click(css(`a[href="/sessions/`+store.SampleSessionID+`"]`)),
		chromedp.WaitVisible(css(`[data-testid=sample-banner]`)),
		chromedp.WaitVisible(css(`[data-testid=open-review]`)))
	screenshot("session")
	step("open its review page", 15*time.Second,
		chromedp.Click(css(`[data-testid=open-review]`)),
		chromedp.WaitVisible(css(`[data-testid=sample-banner] [data-testid=sample-badge]`)),
		chromedp.WaitVisible(css(`[data-testid=draft-banner]`)))
	screenshot("review")
	if !eval(`document.querySelectorAll('[data-testid=citation]').length >= 7 && document.querySelectorAll('[data-testid=transcript-segment]').length === 9 && document.querySelector('[data-testid=flag-resolve]') !== null`) {
		t.Fatal("the sample's review page lacks its citations, transcript or flag")
	}
	text, err := chromedp.Run(bctx, chromedp.Evaluate[string](`(function(){
		var f = new FormData(document.querySelector('form[data-testid=export]'));
		f.set('format', 'text');
		return fetch(document.querySelector('form[data-testid=export]').action, {method: 'POST', body: new URLSearchParams(f)}).then(function(r){
			if (!r.ok) { return 'HTTP ' + r.status; }
			return r.text();
		});
	})()`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("export: %v", err)
	}
	if !strings.HasPrefix(text, store.SampleMarker) {
		t.Fatalf("the plain text export does not begin with the SAMPLE marker:\n%s", text)
	}

	// Review the sample as the quick start says: write the risk statement
	// the flag asks for, edit one sentence (the other citations stay), sign
	// with a wrong password first (the error beside the field, the
	// attestation kept), sign, and copy the note.
	waitFor := func(what, expr string) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			ectx, cancel := context.WithTimeout(bctx, 5*time.Second)
			ok, err := chromedp.Run(ectx, chromedp.Evaluate[bool](`document.readyState === 'complete' && (`+expr+`)`))
			cancel()
			if err == nil && ok {
				return
			}
			if time.Now().After(deadline) {
				screenshot("failed-" + strings.ReplaceAll(what, " ", "-"))
				t.Fatalf("%s: not within 30 s (last error %v; console errors %v)", what, err, errs())
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	step("write the risk statement", 15*time.Second,
		chromedp.Click(css(`#sec-risk details.st-add summary`)),
		chromedp.SendKeys(css(`#st-add-risk`), "Client denies thoughts of self-harm; safety plan reviewed."),
		chromedp.Click(css(`#sec-risk [data-testid=statement-add]`)))
	waitFor("the risk flag clears", `document.querySelector('#st-risk-0 [data-testid=edited-mark]') !== null && document.querySelector('[data-testid=flag-summary-item][data-code=risk_not_assessed]') === null`)
	const citations = `JSON.stringify(Array.from(document.querySelectorAll('[data-testid=statement]')).map(li => li.id + ':' + li.querySelectorAll('[data-testid=citation]').length))`
	before, err := chromedp.Run(bctx, chromedp.Evaluate[string](citations))
	if err != nil {
		t.Fatal(err)
	}
	step("edit one sentence", 15*time.Second,
		chromedp.Click(css(`#st-data-0 [data-testid=statement-edit-open]`)),
		chromedp.WaitVisible(css(`#st-text-data-0`)),
		chromedp.Evaluate[chromedp.Void](`document.getElementById('st-text-data-0').value = ''`),
		chromedp.SendKeys(css(`#st-text-data-0`), "Client reported walking most mornings and sleeping more this week."),
		chromedp.Click(css(`#st-data-0 [data-testid=statement-save]`)))
	waitFor("the edit is shown", `document.querySelector('#st-data-0 [data-testid=edited-mark]') !== null`)
	after, err := chromedp.Run(bctx, chromedp.Evaluate[string](citations))
	if err != nil {
		t.Fatal(err)
	}
	if before != after {
		t.Fatalf("a one-sentence edit changed citations: before %s, after %s", before, after)
	}
	step("sign with a wrong password", 15*time.Second,
		chromedp.Click(css(`[data-testid=attest]`)),
		chromedp.SendKeys(css(`[data-testid=sign-credential]`), "not my password"),
		chromedp.Click(css(`[data-testid=sign]`)),
		chromedp.WaitVisible(css(`[data-testid=sign-error]`)))
	screenshot("wrong-password")
	if !eval(`document.querySelector('[data-testid=attest]').checked && document.querySelector('[data-testid=sign-credential]').nextElementSibling === document.querySelector('[data-testid=sign-error]')`) {
		t.Fatal("after a wrong password the attestation is lost or the error is not beside the field")
	}
	step("sign", 15*time.Second,
		chromedp.SendKeys(css(`[data-testid=sign-credential]`), "correct horse battery staple"),
		chromedp.Click(css(`[data-testid=sign]`)),
		chromedp.WaitVisible(css(`[data-testid=signed-by]`)))
	step("copy", 15*time.Second, chromedp.Click(css(`[data-testid=export-copy]`)))
	waitFor("the note is copied", `document.querySelector('[data-testid=export-text]').value !== ''`)
	screenshot("copied")
	copied, err := chromedp.Run(bctx, chromedp.Evaluate[string](`document.querySelector('[data-testid=export-text]').value`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(copied, store.SampleMarker) || !strings.Contains(copied, "walking most mornings") || !strings.Contains(copied, "Reviewed and signed by you@example.org") ||
		strings.Contains(copied, "S000") || strings.Contains(copied, "risk_not_assessed") {
		t.Fatalf("copied note:\n%s", copied)
	}
	if ce := errs(); len(ce) > 0 {
		t.Fatalf("console errors: %v", ce)
	}
}
