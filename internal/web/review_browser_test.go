package web

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/testenv/chrome"
)

// TestBrowserReviewEditSignCopy drives the review page in headless
// Chromium on SQLite: the flag summary sits above the note; the keyboard
// shortcuts list opens with "?", "n" jumps to the first flag's place (the
// missing risk section) but not while typing in a field, "e" opens the
// editor there and Ctrl+Enter saves the risk statement, which clears the
// risk flag; one sentence is edited in place (the other statements keep
// their citations, the edited one is marked and keeps its own); a wrong
// password re-renders the page with the error beside the field and the
// attestation kept; the right one signs; Copy puts exactly the
// paste-ready note on the clipboard. Any console error fails it.
func TestBrowserReviewEditSignCopy(t *testing.T) {
	requireTool(t, "chromium")
	artifacts := os.Getenv("SCRIBE_ARTIFACTS")
	if artifacts == "" {
		artifacts = t.TempDir()
	}
	artifacts = filepath.Join(artifacts, "web-review")
	if err := os.MkdirAll(artifacts, 0o755); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, "", func(c *Config) { c.Now = time.Now })
	e.store.SetClock(time.Now)
	e.addUser("therapist@example.org", store.RoleClinician, false)
	sess := e.seedSession("therapist@example.org", "mh", store.StatusReady)
	dr, _ := e.seedDraft(sess.ID, 1)
	if err := e.store.InTx(e.ctx, func(tx *store.Tx) error {
		dr.Flags = `[{"code":"risk_not_assessed","severity":"high","reason":"risk language in 1 segment(s) but the note has no supported risk assessment"},{"code":"unsupported_statements","severity":"medium","reason":"1 of 5 statements lack support"}]`
		return tx.UpdateDraft(e.ctx, &dr)
	}); err != nil {
		t.Fatal(err)
	}
	addRiskLanguage(t, e, sess.ID)

	ctx, errs := chrome.Start(t, chromedp.WindowSize(1280, 900))
	shot := 0
	screenshot := func(name string) {
		t.Helper()
		buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		shot++
		if err := os.WriteFile(filepath.Join(artifacts, fmt.Sprintf("%02d-%s.png", shot, name)), buf, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	step := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
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
	// waitFor waits for a condition across a page reload (a poll inside a
	// page that goes away fails, so each try is its own evaluation).
	waitFor := func(what, expr string) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			ectx, cancel := context.WithTimeout(ctx, 5*time.Second)
			ok, err := chromedp.Run(ectx, chromedp.Evaluate[bool](`document.readyState === 'complete' && (`+expr+`)`))
			cancel()
			if err == nil && ok {
				break
			}
			if time.Now().After(deadline) {
				screenshot("failed-" + strings.ReplaceAll(what, " ", "-"))
				t.Fatalf("%s: not within 30 s (last error %v; console errors %v)", what, err, errs())
			}
			time.Sleep(100 * time.Millisecond)
		}
		if ce := errs(); len(ce) > 0 {
			t.Fatalf("%s: console errors: %v", what, ce)
		}
	}
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	// citations lists each statement's citation count, by its id.
	const citations = `JSON.stringify(Array.from(document.querySelectorAll('[data-testid=statement]')).map(li => li.id + ':' + li.querySelectorAll('[data-testid=citation]').length))`

	if err := chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/login")); err != nil {
		t.Fatalf("open the app: %v", err)
	}
	if _, err := chromedp.CallBrowser(ctx, browser.SetPermission, browser.SetPermissionParams{Permission: &browser.PermissionDescriptor{Name: "clipboard-read"},
		Setting: "granted", Origin: e.srv.URL}); err != nil {
		t.Fatalf("grant clipboard read: %v", err)
	}
	if _, err := chromedp.CallBrowser(ctx, browser.SetPermission, browser.SetPermissionParams{Permission: &browser.PermissionDescriptor{Name: "clipboard-write"},
		Setting: "granted", Origin: e.srv.URL}); err != nil {
		t.Fatalf("grant clipboard write: %v", err)
	}
	step("sign in",
		chromedp.WaitVisible(css(`[data-testid=signin-email]`)),
		chromedp.SendKeys(css(`[data-testid=signin-email]`), "therapist@example.org"),
		chromedp.SendKeys(css(`[data-testid=signin-password]`), testPassword),
		chromedp.Click(css(`[data-testid=signin-submit]`)),
		chromedp.WaitVisible(css(`form.logout`)))
	review := e.srv.URL + "/sessions/" + sess.ID + "/review"
	step("open review", chromedp.Navigate(review), chromedp.WaitVisible(css(`[data-testid=flag-summary]`)))
	screenshot("review")
	if !eval(`(function(){var f=document.querySelector('[data-testid=flag-summary]').getBoundingClientRect(), n=document.getElementById('note-h').getBoundingClientRect(), b=document.querySelector('[data-testid=draft-banner]').getBoundingClientRect(); return f.bottom <= n.top && f.top < b.bottom + 5 && f.bottom > 0 && f.top < window.innerHeight;})()`) {
		t.Fatal("the flag summary is not at the top, beside the banner")
	}
	if !eval(`document.querySelector('[data-testid=flag-counts]').textContent === '1 high, 1 medium'`) {
		t.Fatal("the flag summary does not count by severity")
	}

	// Shortcuts: "?" shows the list; "n" in a field types, elsewhere jumps.
	step("open the shortcuts", chromedp.KeyEvent("?"))
	if !eval(`document.getElementById('shortcuts').open`) {
		t.Fatal(`"?" did not open the keyboard shortcuts`)
	}
	step("type n in a field", chromedp.Click(css(`[data-testid=flag-reason]`)), chromedp.KeyEvent("n"))
	if !eval(`document.activeElement.matches('[data-testid=flag-reason]') && document.activeElement.value === 'n'`) {
		t.Fatal(`"n" typed in a field moved the focus or was swallowed`)
	}
	step("clear the field", chromedp.Evaluate[chromedp.Void](`document.querySelector('[data-testid=flag-reason]').value=''; document.activeElement.blur()`))
	step("next flag", chromedp.KeyEvent("n"))
	if !eval(`document.activeElement.id === 'sec-risk'`) {
		t.Fatal(`"n" did not jump to the missing risk section`)
	}
	step("edit there", chromedp.KeyEvent("e"))
	if !eval(`document.activeElement.id === 'st-add-risk'`) {
		t.Fatal(`"e" did not open the editor of the risk section`)
	}
	step("write the risk statement", chromedp.SendKeys(css(`#st-add-risk`), "Passive death wish reported; denies plan or intent; safety plan reviewed."),
		chromedp.KeyEvent(kb.Enter, chromedp.KeyModifiers(chromedp.ModifierCtrl)))
	waitFor("the risk flag clears", `document.querySelector('[data-testid=flag-counts]') !== null && document.querySelector('[data-testid=flag-counts]').textContent === '1 medium' && document.querySelector('#st-risk-0 [data-testid=edited-mark]') !== null`)
	if !eval(`document.querySelector('#st-risk-0 [data-testid=statement-text]').textContent === 'Passive death wish reported; denies plan or intent; safety plan reviewed.'`) {
		t.Fatal("the risk statement was not saved as typed (did the shortcut key leak into it?)")
	}
	screenshot("risk-written")

	// Edit one sentence in place.
	before, err := chromedp.Run(ctx, chromedp.Evaluate[string](citations))
	if err != nil {
		t.Fatal(err)
	}
	step("open a statement editor", chromedp.Click(css(`#st-subjective-0 [data-testid=statement-edit-open]`)), chromedp.WaitVisible(css(`#st-text-subjective-0`)))
	step("edit one sentence",
		chromedp.Evaluate[chromedp.Void](`document.getElementById('st-text-subjective-0').value = ''`),
		chromedp.SendKeys(css(`#st-text-subjective-0`), "Client reports sleeping better on most nights."),
		chromedp.Click(css(`#st-subjective-0 [data-testid=statement-save]`)))
	waitFor("the edit is shown", `document.querySelector('#st-subjective-0 [data-testid=edited-mark]') !== null`)
	screenshot("edited")
	after, err := chromedp.Run(ctx, chromedp.Evaluate[string](citations))
	if err != nil {
		t.Fatal(err)
	}
	if before != after || !strings.Contains(after, `"st-subjective-0:1"`) {
		t.Fatalf("citations changed by a one-sentence edit: before %s, after %s", before, after)
	}
	if !eval(`document.querySelector('#st-subjective-0 [data-testid=statement-text]').textContent === 'Client reports sleeping better on most nights.' && document.querySelectorAll('[data-testid=edited-mark]').length === 2`) {
		t.Fatal("the edited statement is not shown with its mark (and only it and the risk statement)")
	}

	// "s" goes to signing.
	step("go to signing", chromedp.Evaluate[chromedp.Void](`document.activeElement.blur()`), chromedp.KeyEvent("s"))
	if !eval(`document.activeElement === document.querySelector('[data-testid=attest]')`) {
		t.Fatal(`"s" did not go to the sign panel`)
	}
	// Sign with a wrong password first: the error in place, the attestation kept.
	step("wrong password",
		chromedp.Click(css(`[data-testid=attest]`)),
		chromedp.SendKeys(css(`[data-testid=sign-credential]`), "not my password"),
		chromedp.Click(css(`[data-testid=sign]`)),
		chromedp.WaitVisible(css(`[data-testid=sign-error]`)))
	screenshot("wrong-password")
	if !eval(`(function(){var err=document.querySelector('[data-testid=sign-error]'), c=document.querySelector('[data-testid=sign-credential]'); return document.querySelector('[data-testid=attest]').checked && c.nextElementSibling === err && err.textContent.indexOf('not right') >= 0 && err.textContent.indexOf('--') < 0;})()`) {
		t.Fatal("the sign error is not beside the password field with the attestation kept")
	}
	waitFor("the sign panel in view, the focus on the password field", `document.activeElement === document.querySelector('[data-testid=sign-credential]') && (r => r.top >= 0 && r.bottom <= window.innerHeight)(document.activeElement.getBoundingClientRect())`)
	step("sign",
		chromedp.SendKeys(css(`[data-testid=sign-credential]`), testPassword),
		chromedp.Click(css(`[data-testid=sign]`)),
		chromedp.WaitVisible(css(`[data-testid=signed-by]`)))
	screenshot("signed")

	// Copy the export.
	step("copy", chromedp.Click(css(`[data-testid=export-copy]`)))
	waitFor("copied", `document.querySelector('[data-testid=export-copy]').hasAttribute('data-copied')`)
	screenshot("copied")
	clip, err := chromedp.Run(ctx, chromedp.Evaluate[string](`navigator.clipboard.readText()`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("read the clipboard: %v", err)
	}
	want := pasteTextOf(t, e, sess)
	if clip != want {
		t.Fatalf("the clipboard holds:\n%s\nwant the paste-ready note:\n%s", clip, want)
	}
	if !strings.Contains(clip, "on most nights.") || !strings.Contains(clip, "Reviewed and signed by therapist@example.org") || strings.Contains(clip, "note-model-test-1") {
		t.Fatalf("copied text:\n%s", clip)
	}
	if shown, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('[data-testid=export-text]').value`)); err != nil || shown != want {
		t.Fatalf("the text shown to copy by hand differs (%v)", err)
	}
	if ce := errs(); len(ce) > 0 {
		t.Fatalf("console errors: %v", ce)
	}
	t.Logf("screenshots in %s", artifacts)
}
