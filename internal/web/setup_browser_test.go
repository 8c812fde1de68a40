package web

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/scribe-health/scribe/internal/auth"
	"github.com/scribe-health/scribe/internal/fakeopenai"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/testenv/chrome"
)

// TestFirstRunWizardInBrowser follows a new install in headless Chromium:
// the one-time set-up link of a fresh server, the first admin, its
// authenticator (enrolled with a code computed from the key shown), then
// the wizard — two providers pointing at the fake model server, each
// tested with its button (the fake sees the model listing), a retention
// policy, a clinician invited with the role the form starts on — and the
// admin's home without the "Finish setting up" banner. A step skipped
// first is shown as not done, and the home shows the banner meanwhile.
// Every wizard page passes axe-core and does not scroll sideways at 390
// and 1280 px.
func TestFirstRunWizardInBrowser(t *testing.T) {
	requireTool(t, "chromium")
	axe := chrome.AxeScript(t)
	e := newEnv(t, "", func(c *Config) { c.Now = time.Now })
	e.store.SetClock(time.Now)
	fake := fakeopenai.New("whisper-wizard", "notes-wizard")
	t.Cleanup(fake.Close)
	link, err := e.web.SetupLink(e.ctx)
	if err != nil || link == "" {
		t.Fatalf("set-up link %q %v", link, err)
	}

	ctx, errs := chrome.Start(t, chromedp.WindowSize(1280, 900))
	a := &a11yRun{t: t, ctx: ctx, errs: errs, axe: axe, dir: a11yArtifacts(t)}
	css := func(sel string) chromedp.CSS { return chromedp.CSS(sel) }
	text := func(js string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
		if err != nil {
			t.Fatalf("%s: %v", js, err)
		}
		return v
	}

	a.do("create the admin", chromedp.Navigate(e.srv.URL+link),
		chromedp.WaitVisible(css(`#email`)),
		chromedp.SendKeys(css(`#email`), "admin@example.org"),
		chromedp.SendKeys(css(`#password`), testPassword),
		chromedp.SendKeys(css(`#confirm`), testPassword),
		chromedp.Click(css(`main form button[type=submit]`)),
		chromedp.WaitVisible(css(`[data-testid=totp-start]`)),
		chromedp.Click(css(`[data-testid=totp-start]`)),
		chromedp.WaitVisible(css(`[data-testid=totp-secret]`)))
	code, err := auth.TOTPCode(text(`document.querySelector("[data-testid=totp-secret]").textContent`), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	a.do("enrol the authenticator", chromedp.SendKeys(css(`#code`), code),
		chromedp.Click(css(`main form button[type=submit]`)),
		chromedp.WaitVisible(css(`[data-testid=recovery-codes-done]`)),
		chromedp.Click(css(`[data-testid=recovery-codes-done]`)),
		chromedp.WaitVisible(css(`[data-testid=setup-provider-save]`)))
	if done := text(`document.querySelector("[data-testid=setup-step-account]").dataset.done`); done != "true" {
		t.Errorf("the account step is not shown done after enrolment: %q", done)
	}
	a.check("setup-providers", "", `[data-testid=setup-provider-save]`)

	// Skipping a step leaves it open; the home says so.
	a.do("skip the providers", chromedp.Click(css(`[data-testid=setup-skip]`)), chromedp.WaitVisible(css(`[data-testid=setup-retention-save]`)),
		chromedp.Navigate(e.srv.URL+"/sessions"), chromedp.WaitVisible(css(`[data-testid=setup-banner]`)),
		chromedp.Click(css(`[data-testid=setup-banner] a`)), chromedp.WaitVisible(css(`[data-testid=setup-provider-save]`)))

	for _, p := range []struct{ use, name, model string }{{"transcription", "speech", "whisper-wizard"}, {"drafting", "notes", "notes-wizard"}} {
		a.do("add the "+p.use+" provider",
			chromedp.SetValue(css(`[data-testid=setup-provider-use]`), p.use),
			chromedp.SendKeys(css(`[data-testid=setup-provider-name]`), p.name),
			chromedp.SendKeys(css(`[data-testid=setup-provider-url]`), fake.BaseURL()),
			chromedp.SendKeys(css(`[data-testid=setup-provider-model]`), p.model),
			chromedp.Click(css(`[data-testid=setup-provider-self-hosted]`)),
			chromedp.Click(css(`[data-testid=setup-provider-save]`)),
			chromedp.WaitVisible(css(`[data-testid=setup-provider-test][data-provider=`+p.name+`]`)))
	}
	// Test the transcription provider: the Test button's model listing,
	// then doctor's one-second transcription round trip.
	models, trips := fake.Requests(fakeopenai.Models), fake.Requests(fakeopenai.Transcriptions)
	a.do("test a provider", chromedp.Click(css(`[data-testid=setup-provider-test][data-provider=speech]`)), chromedp.WaitVisible(css(`[data-testid=setup-provider-checks]`)))
	if got := text(`document.querySelector("[data-testid=setup-provider-result]").textContent`); !strings.Contains(got, "answered") {
		t.Errorf("test result %q", got)
	}
	if got := text(`Array.from(document.querySelectorAll("[data-testid=setup-provider-checks] li")).map(function(li){return li.dataset.status+" "+li.textContent}).join("\n")`); strings.Contains(got, "fail") || !strings.Contains(got, "one-second transcription") {
		t.Errorf("round-trip checks:\n%s", got)
	}
	if fake.Requests(fakeopenai.Models) <= models || fake.Requests(fakeopenai.Transcriptions) <= trips {
		t.Errorf("the Test button did not reach the provider (model listings %d → %d, transcriptions %d → %d)",
			models, fake.Requests(fakeopenai.Models), trips, fake.Requests(fakeopenai.Transcriptions))
	}
	a.check("setup-providers-tested", "", `[data-testid=setup-provider-checks]`)
	if done := text(`document.querySelector("[data-testid=setup-step-providers]").dataset.done`); done != "true" {
		t.Errorf("the providers step is not done with both providers: %q", done)
	}

	a.do("next: retention", chromedp.Click(css(`[data-testid=setup-skip]`)), chromedp.WaitVisible(css(`[data-testid=setup-retention-save]`)))
	a.check("setup-retention", "", `[data-testid=setup-retention-save]`)
	a.do("save the retention policy",
		chromedp.SetValue(css(`[data-testid=setup-retention-transcript-days]`), "365"),
		chromedp.Click(css(`[data-testid=setup-retention-save]`)),
		chromedp.WaitVisible(css(`[data-testid=setup-invite-submit]`)))
	a.check("setup-invite", "", `[data-testid=setup-invite-submit]`)
	a.do("invite the first clinician",
		chromedp.SendKeys(css(`[data-testid=setup-invite-email]`), "therapist@example.org"),
		chromedp.Click(css(`[data-testid=setup-invite-submit]`)),
		chromedp.WaitVisible(css(`[data-testid=setup-invite-link]`)))
	if v := text(`document.querySelector("[data-testid=setup-invite-link]").value`); !strings.Contains(v, "/invite?token=") {
		t.Errorf("invitation link %q", v)
	}
	a.do("finish", chromedp.Click(css(`[data-testid=setup-skip]`)), chromedp.WaitVisible(css(`[data-testid=setup-complete]`)))
	a.check("setup-done", "", `[data-testid=setup-complete]`)
	a.do("home", chromedp.Click(css(`[data-testid=setup-finish]`)), chromedp.WaitVisible(css(`form.logout`)))
	if n := text(`String(document.querySelectorAll("[data-testid=setup-banner]").length)`); n != "0" {
		t.Error("the home still shows the Finish setting up banner with every step done")
	}
	a.report()

	// What the browser did is in the data.
	ps, err := e.store.Providers(e.ctx, "")
	if err != nil || len(ps) != 2 {
		t.Fatalf("providers %+v %v", ps, err)
	}
	pol, err := e.store.RetentionPolicy(e.ctx)
	if err != nil || pol.TranscriptDays != 365 || !pol.PurgeAudioAfterTranscription || pol.UpdatedAt == 0 {
		t.Errorf("retention policy %+v %v", pol, err)
	}
	us, err := e.store.Users(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	roles := map[string]string{}
	for _, u := range us {
		roles[u.Email] = u.Role
	}
	if roles["therapist@example.org"] != store.RoleClinician || roles["admin@example.org"] != store.RoleAdmin {
		t.Errorf("users %v", roles)
	}
	if p := fake.Problems(); len(p) > 0 {
		t.Errorf("the fake model server saw: %v", p)
	}
}
