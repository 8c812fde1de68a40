package web

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/scribe-health/scribe/internal/app"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/testenv/chrome"
)

// TestAccountStyleAndEditHistory: on the account page in Chromium a
// clinician sees, for their own signed notes only, how much of each draft
// they changed (table and chart with the same numbers, the average and the
// trend), and sets their note style: a phrase the form refuses is shown
// beside the field with everything typed kept, the corrected style is
// saved and shown again. The page passes axe-core and does not scroll
// sideways at 390 and 1280 px, with history and with the refusal.
func TestAccountStyleAndEditHistory(t *testing.T) {
	requireTool(t, "chromium")
	axe := chrome.AxeScript(t)
	e := newEnv(t, "", func(c *Config) { c.Now = time.Now })
	e.store.SetClock(time.Now)
	clin := e.addUser("therapist@example.org", store.RoleClinician, false)
	other := e.addUser("other@example.org", store.RoleClinician, false)
	svc := e.web.service()

	// Four notes signed with less and less changed, then another
	// clinician's note rewritten.
	sign := func(by store.User, plan string) string {
		t.Helper()
		sess := e.seedSession(by.Email, store.ProgramMH, store.StatusReady)
		e.seedDraft(sess.ID, 1)
		if plan != "" {
			if _, err := svc.EditSection(e.ctx, by, app.DraftEdit{SessionID: sess.ID, Section: "plan", Text: plan}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := svc.Sign(e.ctx, by, app.Signature{SessionID: sess.ID, Attest: true, Override: "risk reviewed outside the session"}); err != nil {
			t.Fatal(err)
		}
		return sess.ID
	}
	mine := []string{
		sign(clin, "Weekly sessions continue for eight weeks with a review of sleep, work stress, the thought record and the breathing exercise at each visit."),
		sign(clin, "Meet next Tuesday; review the thought record and the sleep diary together."),
		sign(clin, "Meet next Tuesday; review the thought record together."),
		sign(clin, ""),
	}
	theirs := sign(other, "Everything in this plan was rewritten by another clinician for this test.")
	ms, err := e.store.EditMeasures(e.ctx, clin.ID, 10)
	if err != nil || len(ms) != 4 {
		t.Fatalf("measures %+v, %v", ms, err)
	}

	ctx, errs := chrome.Start(t, chromedp.WindowSize(1280, 900))
	a := &a11yRun{t: t, ctx: ctx, errs: errs, axe: axe, dir: a11yArtifacts(t)}
	a.do("clinician signs in", chromedp.Navigate(e.srv.URL+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=signin-email]`)),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=signin-email]`), clin.Email),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=signin-password]`), testPassword),
		chromedp.Click(chromedp.CSS(`[data-testid=signin-submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`form.logout`)))
	a.check("account-history", e.srv.URL+"/account", `[data-testid=edit-table]`)

	a.do("at 1280 px", chromedp.EmulateViewport(1280, 900))
	rows := read(t, ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("[data-testid=edit-row]")).map(r => r.innerText)`))
	average := read(t, ctx, chromedp.Text(chromedp.CSS(`[data-testid=edit-average]`)))
	trend := read(t, ctx, chromedp.Text(chromedp.CSS(`[data-testid=edit-trend]`)))
	bars := read(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll("[data-testid=edit-chart] rect").length`))
	chartTitle := read(t, ctx, chromedp.Evaluate[string](`document.querySelector("[data-testid=edit-chart] title").textContent`))
	html := read(t, ctx, chromedp.OuterHTML(chromedp.CSS(`main`)))
	if len(rows) != 4 || bars != 4 {
		t.Fatalf("%d rows and %d bars; want 4 of each:\n%v", len(rows), bars, rows)
	}
	var sum float64
	for i, m := range ms { // ms is newest first, the page oldest first
		row := rows[len(rows)-1-i]
		want := fmt.Sprintf("%d of %d", m.ChangedWords, m.DraftedWords)
		pct := fmt.Sprintf("%d%%", percent(m.Share()))
		if !strings.Contains(row, want) || !strings.Contains(row, pct) || !strings.Contains(chartTitle, pct) {
			t.Errorf("row %q or chart %q lacks %q / %s", row, chartTitle, want, pct)
		}
		sum += m.Share()
	}
	if ms[0].ChangedWords != 0 || ms[3].ChangedWords <= ms[2].ChangedWords {
		t.Fatalf("the seeded edits did not measure as meant: %+v", ms)
	}
	if !strings.Contains(average, fmt.Sprintf("%d%%", percent(sum/4))) || !strings.Contains(trend, "change less") {
		t.Errorf("average %q, trend %q", average, trend)
	}
	for _, id := range mine {
		if !strings.Contains(html, id) {
			t.Errorf("the clinician's signed note %s is not listed", id)
		}
	}
	if strings.Contains(html, theirs) {
		t.Error("another clinician's note is on the page")
	}

	// A phrase with markup is refused beside the field, everything typed kept.
	typed := "client presents as\n<b>bold</b>"
	a.do("save a style with a refused phrase",
		chromedp.Click(chromedp.CSS(`[data-testid=style-length-short]`)),
		chromedp.Click(chromedp.CSS(`[data-testid=style-person-first]`)),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=style-avoid]`), typed),
		chromedp.Click(chromedp.CSS(`[data-testid=style-save]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=style-error]`)))
	errText := read(t, ctx, chromedp.Text(chromedp.CSS(`[data-testid=style-error]`)))
	kept := read(t, ctx, chromedp.Value(chromedp.CSS(`[data-testid=style-avoid]`)))
	short := read(t, ctx, chromedp.Evaluate[bool](`document.querySelector("[data-testid=style-length-short]").checked`))
	first := read(t, ctx, chromedp.Evaluate[bool](`document.querySelector("[data-testid=style-person-first]").checked`))
	if !strings.HasPrefix(errText, "Phrases to avoid") || !strings.Contains(errText, "plain words") || kept != typed || !short || !first {
		t.Fatalf("refusal %q; kept %q, short %v, first person %v", errText, kept, short, first)
	}
	if st, _ := e.store.ClinicianStyle(e.ctx, clin.ID); st.UpdatedAt != 0 {
		t.Fatalf("a refused style was saved: %+v", st)
	}
	a.check("account-style-refused", "", `[data-testid=style-error]`)

	a.do("correct and save",
		chromedp.SetValue(chromedp.CSS(`[data-testid=style-avoid]`), "client presents as\nWNL"),
		chromedp.Click(chromedp.CSS(`[data-testid=style-headings-off]`)),
		chromedp.Click(chromedp.CSS(`[data-testid=style-examples]`)),
		chromedp.Click(chromedp.CSS(`[data-testid=style-save]`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash`)))
	flash := read(t, ctx, chromedp.Text(chromedp.CSS(`.flash`)))
	kept = read(t, ctx, chromedp.Value(chromedp.CSS(`[data-testid=style-avoid]`)))
	short = read(t, ctx, chromedp.Evaluate[bool](`document.querySelector("[data-testid=style-headings-off]").checked && document.querySelector("[data-testid=style-length-short]").checked && document.querySelector("[data-testid=style-examples]").checked`))
	if !strings.Contains(flash, "Note style saved") || kept != "client presents as\nWNL" || !short {
		t.Fatalf("after saving: flash %q, phrases %q, choices shown %v", flash, kept, short)
	}
	st, err := e.store.ClinicianStyle(e.ctx, clin.ID)
	if err != nil || st.NoteLength != "short" || st.Person != "first" || st.Headings != "off" || strings.Join(st.Avoid, "|") != "client presents as|WNL" || !st.Examples {
		t.Fatalf("saved style %+v, %v", st, err)
	}
	if o, _ := e.store.ClinicianStyle(e.ctx, other.ID); o.UpdatedAt != 0 {
		t.Errorf("another clinician's style changed: %+v", o)
	}
	a.report()
}

// read runs one action that reads the page.
func read[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
