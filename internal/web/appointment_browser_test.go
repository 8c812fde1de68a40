package web

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/testenv/chrome"
)

// TestBrowserSchedulesInLocalTime: in headless Chromium set to Kolkata
// (UTC+5:30) with a British locale, a clinician books 14:00 the day after tomorrow on the
// schedule form; the session is booked at 08:30 UTC (the page sent the
// browser's offset for that date), and the confirmation shows 14:00 again,
// in the browser's time zone.
func TestBrowserSchedulesInLocalTime(t *testing.T) {
	requireTool(t, "chromium")
	e := newEnv(t, "", func(c *Config) { c.Now = time.Now })
	e.store.SetClock(time.Now)
	e.addUser("therapist@example.org", store.RoleClinician, false)
	ist := time.FixedZone("IST", 5*3600+1800)
	day := time.Now().In(ist).Add(48 * time.Hour)
	want := time.Date(day.Year(), day.Month(), day.Day(), 14, 0, 0, 0, ist)

	ctx, errs := chrome.Start(t)
	if _, err := chromedp.Call(ctx, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: "Asia/Kolkata"}); err != nil {
		t.Fatalf("time zone override: %v", err)
	}
	if _, err := chromedp.Call(ctx, emulation.SetLocaleOverride, emulation.SetLocaleOverrideParams{Locale: "en_GB"}); err != nil {
		t.Fatalf("locale override: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/login")); err != nil {
		t.Fatal(err)
	}
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	step := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, steps...); err != nil {
			t.Fatalf("%s: %v (console errors: %v)", what, err, errs())
		}
	}
	step("sign in",
		chromedp.WaitVisible(css(`[data-testid=signin-email]`)),
		chromedp.SendKeys(css(`[data-testid=signin-email]`), "therapist@example.org"),
		chromedp.SendKeys(css(`[data-testid=signin-password]`), testPassword),
		chromedp.Click(css(`[data-testid=signin-submit]`)),
		chromedp.WaitVisible(css(`form.logout`)))
	step("schedule at 14:00 local time",
		chromedp.Navigate(e.srv.URL+"/sessions/new"),
		chromedp.WaitVisible(css(`[data-testid=schedule-session]`)),
		chromedp.SendKeys(css(`#alias`), "client-17"),
		// A datetime-local field takes its value as the page sets it.
		chromedp.SetValue(css(`[data-testid=schedule-start]`), want.Format("2006-01-02T15:04")),
		chromedp.SetValue(css(`[data-testid=schedule-duration]`), "45"),
		chromedp.Click(css(`[data-testid=schedule-session]`)),
		chromedp.WaitVisible(css(`[data-testid=join-link]`)))
	list, err := e.store.ListSessions(e.ctx, "", 1)
	if err != nil || len(list) != 1 {
		t.Fatalf("sessions %v, %v", list, err)
	}
	if got := time.UnixMilli(list[0].ScheduledAt); !got.Equal(want) || list[0].ScheduledDurationMS != (45*time.Minute).Milliseconds() {
		t.Errorf("booked at %v for %d ms; want %v (14:00 in Kolkata) for 45 minutes", got.UTC(), list[0].ScheduledDurationMS, want.UTC())
	}
	shown, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("[data-testid=appointment] time").textContent`))
	if err != nil || !strings.Contains(shown, "14:00") {
		t.Errorf("the confirmation shows the appointment as %q (%v); want 14:00 in the browser's zone", shown, err)
	}
	if ce := errs(); len(ce) > 0 {
		t.Errorf("console errors: %v", ce)
	}
}
