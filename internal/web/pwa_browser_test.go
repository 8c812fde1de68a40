package web

import (
	"bytes"
	"context"
	"encoding/json"
	"image/png"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/scribe-health/scribe/internal/testenv/chrome"
)

// TestRoomPageOnPhone (item 6): the room page, at its consent question,
// ready to record and recording, passes axe-core (no serious or critical
// WCAG 2.1 A/AA violation) and does not scroll sideways at 390 px (a
// phone) or at 1280 and 1920 px.
func TestRoomPageOnPhone(t *testing.T) {
	requireRoomTools(t)
	axe := chrome.AxeScript(t)
	mic := speechFile(t, 20, said{1, "how have you been sleeping since our last session"})
	r := newRoomRig(t, mic, 390, 844)
	a := &a11yRun{t: t, ctx: r.ctx, errs: r.errs, axe: axe, dir: a11yArtifacts(t)}
	a.check("room-consent", r.link, `[data-testid=consent-attest]`)
	a.do("attest", chromedp.Click(chromedp.CSS(`[data-testid=consent-attest]`)), chromedp.WaitVisible(chromedp.CSS(`[data-testid=record-start]`)))
	a.check("room-ready", "", `[data-testid=record-start]`)
	a.do("record", chromedp.Click(chromedp.CSS(`[data-testid=record-start]`)), chromedp.WaitVisible(chromedp.CSS(`[data-testid=record-pause]`)))
	a.check("room-recording", "", `[data-testid=recording-indicator][data-state=recording]`)
	a.do("live level and elapsed time", chromedp.Poll[chromedp.Void](
		`document.querySelector('[data-testid=recording-level]').value > 0 && document.querySelector('[data-testid=recording-elapsed]').textContent !== '00:00'`,
		chromedp.WithPollingTimeout(20*time.Second)))
	a.report()
}

// TestInstallable (item 6): the web app manifest names the app, starts at
// the sessions list, runs standalone and has 192 and 512 px PNG icons that
// are served; every page links it; the service worker registers for the
// whole site and, after pages (the room page among them) and their assets
// have been loaded, its cache holds static assets only, never a page.
func TestInstallable(t *testing.T) {
	requireRoomTools(t)
	mic := speechFile(t, 5, said{1, "how have you been"})
	r := newRoomRig(t, mic, 390, 844)
	srv := r.e.srv.URL

	res, err := http.Get(srv + "/manifest.webmanifest")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	var m struct {
		Name, ShortName, StartURL, Scope, Display string
		Icons                                     []struct{ Src, Sizes, Type string }
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if ct := res.Header.Get("Content-Type"); ct != "application/manifest+json" || json.Unmarshal(body, &m) != nil || dec.Decode(&map[string]any{}) != nil {
		t.Fatalf("manifest: %s, %q", ct, body)
	}
	var raw map[string]any
	_ = json.Unmarshal(body, &raw)
	if raw["name"] != "Scribe" || raw["start_url"] != "/sessions" || raw["display"] != "standalone" || raw["scope"] != "/" {
		t.Errorf("manifest fields: %v", raw)
	}
	sizes := map[string]bool{}
	for _, ic := range m.Icons {
		res, err := http.Get(srv + ic.Src)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(res.Body)
		res.Body.Close()
		if err != nil {
			t.Fatalf("icon %s: %v", ic.Src, err)
		}
		b := img.Bounds()
		if got := strings.Join([]string{itoa(b.Dx()), itoa(b.Dy())}, "x"); got != ic.Sizes {
			t.Errorf("icon %s is %s, the manifest says %s", ic.Src, got, ic.Sizes)
		}
		sizes[ic.Sizes] = true
	}
	if !sizes["192x192"] || !sizes["512x512"] {
		t.Errorf("icons %v; an installable app needs 192 and 512 px", sizes)
	}

	r.step("open the sign-in page", 15*time.Second, chromedp.Navigate(srv+"/login"), chromedp.WaitVisible(chromedp.CSS(`[data-testid=signin-email]`)))
	if r.eval(`document.querySelector('link[rel=manifest]').getAttribute('href')`) != "/manifest.webmanifest" {
		t.Error("the sign-in page does not link the manifest")
	}
	if scope := r.await(`navigator.serviceWorker.ready.then((reg) => reg.scope)`); scope != srv+"/" {
		t.Errorf("service worker scope %q", scope)
	}
	// Load pages under the worker: the sign-in page again and the room page.
	r.step("sign-in page again", 15*time.Second, chromedp.Navigate(srv+"/login"), chromedp.WaitVisible(chromedp.CSS(`[data-testid=signin-email]`)))
	r.waitFor("controlled", `navigator.serviceWorker.controller !== null`, 20*time.Second)
	r.open()
	r.waitFor("controlled room page", `navigator.serviceWorker.controller !== null`, 20*time.Second)
	const list = `caches.open('scribe-static-v1').then((c) => c.keys()).then((ks) => JSON.stringify(ks.map((k) => new URL(k.url).pathname)))`
	var cached string
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		cached = r.await(list)
		if strings.Contains(cached, "/static/room.js") || time.Now().After(deadline) {
			break
		}
	}
	var paths []string
	if err := json.Unmarshal([]byte(cached), &paths); err != nil {
		t.Fatal(err)
	}
	t.Logf("cached: %v", paths)
	for _, p := range paths {
		if !strings.HasPrefix(p, "/static/") {
			t.Errorf("the service worker cached %s, which is not a static asset", p)
		}
	}
	if !strings.Contains(cached, "/static/app.css") || !strings.Contains(cached, "/static/room.js") {
		t.Errorf("the service worker did not cache the app's assets: %v", paths)
	}
	all := r.await(`caches.keys().then((names) => names.join(','))`)
	if all != "scribe-static-v1" {
		t.Errorf("caches %q; want only the static one", all)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// await evaluates a promise in the page and returns its string value.
func (r *roomRig) await(expr string) string {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(r.ctx, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		r.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}
