package capture

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/scribe-health/scribe/capture/capturetest"
	"github.com/scribe-health/scribe/internal/testenv"
)

// firefoxPrefs make a throw-away profile usable headless and offline: fake
// camera and microphone without a permission prompt, autoplay allowed,
// loopback ICE candidates, and no update, telemetry, experiment,
// safe-browsing or captive-portal traffic (the test machine has no network).
var firefoxPrefs = map[string]any{
	"media.navigator.streams.fake":                      true,
	"media.navigator.permission.disabled":               true,
	"media.autoplay.default":                            0,
	"media.autoplay.blocking_policy":                    0,
	"media.peerconnection.ice.loopback":                 true,
	"media.peerconnection.ice.obfuscate_host_addresses": false,
	"media.gmp-manager.updateEnabled":                   false,
	"media.gmp-manager.url":                             "",
	"browser.shell.checkDefaultBrowser":                 false,
	"browser.startup.homepage_override.mstone":          "ignore",
	"browser.startup.page":                              0,
	"browser.newtabpage.enabled":                        false,
	"browser.safebrowsing.malware.enabled":              false,
	"browser.safebrowsing.phishing.enabled":             false,
	"browser.safebrowsing.downloads.enabled":            false,
	"browser.safebrowsing.blockedURIs.enabled":          false,
	"browser.search.update":                             false,
	"browser.region.network.url":                        "",
	"browser.region.update.enabled":                     false,
	"datareporting.policy.dataSubmissionEnabled":        false,
	"datareporting.healthreport.uploadEnabled":          false,
	"toolkit.telemetry.enabled":                         false,
	"toolkit.telemetry.unified":                         false,
	"toolkit.telemetry.server":                          "",
	"app.update.enabled":                                false,
	"app.update.auto":                                   false,
	"app.normandy.enabled":                              false,
	"app.shield.optoutstudies.enabled":                  false,
	"messaging-system.rsexperimentloader.enabled":       false,
	"services.settings.server":                          "data:,#remote-settings-dummy/v1",
	"network.captive-portal-service.enabled":            false,
	"network.connectivity-service.enabled":              false,
	"network.dns.disablePrefetch":                       true,
	"network.prefetch-next":                             false,
	"network.http.speculative-parallel-limit":           0,
	"network.proxy.type":                                0,
	"extensions.update.enabled":                         false,
	"extensions.getAddons.cache.enabled":                false,
	"extensions.blocklist.enabled":                      false,
	"identity.fxaccounts.enabled":                       false,
	"dom.push.connection.enabled":                       false,
	"geo.provider.network.url":                          "",
	"security.OCSP.enabled":                             0,
	"remote.active-protocols":                           1, // WebDriver BiDi only
}

// requireFirefox returns the path of Firefox (Debian's firefox-esr first)
// or skips the test (fails it under SCRIBE_REQUIRE_ALL=1).
func requireFirefox(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"firefox-esr", "firefox"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	testenv.Missing(t, "firefox-esr is not installed (apt-get install firefox-esr)")
	return ""
}

// lockedBuffer collects a process's output while it runs.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

var bidiListening = regexp.MustCompile(`WebDriver BiDi listening on (ws://[^\s]+)`)

// firefox starts headless Firefox with a fresh profile, opens a WebDriver
// BiDi session on its built-in remote agent and returns its first tab,
// with every console error and uncaught exception of the page collected.
// Cleanup closes the browser, kills its process group and removes the
// profile.
func firefox(t *testing.T) (page *bidiPage, consoleErrors func() []string) {
	t.Helper()
	path := requireFirefox(t)
	dir := t.TempDir() // removed after the cleanup below has stopped Firefox
	profile := filepath.Join(dir, "profile")
	home := filepath.Join(dir, "home")
	for _, d := range []string{profile, home} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	var userJS strings.Builder
	for k, v := range firefoxPrefs {
		val, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&userJS, "user_pref(%q, %s);\n", k, val)
	}
	if err := os.WriteFile(filepath.Join(profile, "user.js"), []byte(userJS.String()), 0o600); err != nil {
		t.Fatal(err)
	}

	out := &lockedBuffer{}
	cmd := exec.Command(path, "--headless", "--remote-debugging-port=0", "--profile", profile, "--no-remote")
	cmd.Env = append(os.Environ(), "HOME="+home, "MOZ_CRASHREPORTER_DISABLE=1", "MOZ_HEADLESS=1")
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // one group: the content processes die with it
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatalf("start firefox: %v", err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	var conn *bidiConn
	t.Cleanup(func() {
		if conn != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			conn.call(ctx, "browser.close", map[string]any{}, nil)
			cancel()
			conn.close()
		}
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
		}
		// Whatever is left of the group (the browser if it did not close,
		// or a straggling child process) is killed.
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
		if t.Failed() {
			t.Logf("firefox output:\n%s", out.String())
		}
	})

	// Firefox prints the address of its BiDi server once it listens.
	var wsURL string
	deadline := time.Now().Add(60 * time.Second)
	for wsURL == "" {
		if m := bidiListening.FindStringSubmatch(out.String()); m != nil {
			wsURL = m[1]
			break
		}
		select {
		case <-exited:
			t.Fatalf("firefox exited before its WebDriver BiDi server listened: %v\n%s", cmd.ProcessState, out.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("firefox did not start its WebDriver BiDi server within 60 s:\n%s", out.String())
		}
	}

	var mu sync.Mutex
	var errs []string
	onEvent := func(method string, params json.RawMessage) {
		if method != "log.entryAdded" {
			return
		}
		var e struct {
			Type   string `json:"type"` // "console" or "javascript" (uncaught)
			Level  string `json:"level"`
			Text   string `json:"text"`
			Source struct {
				Context string `json:"context"`
			} `json:"source"`
		}
		if json.Unmarshal(params, &e) != nil || e.Level != "error" {
			return
		}
		mu.Lock()
		errs = append(errs, e.Type+" error: "+e.Text)
		mu.Unlock()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := dialBiDi(ctx, strings.TrimSuffix(wsURL, "/")+"/session", onEvent)
	if err != nil {
		t.Fatal(err)
	}
	conn = c
	if err := conn.call(ctx, "session.new", map[string]any{"capabilities": map[string]any{}}, nil); err != nil {
		t.Fatal(err)
	}
	if err := conn.call(ctx, "session.subscribe", map[string]any{"events": []string{"log.entryAdded"}}, nil); err != nil {
		t.Fatal(err)
	}
	var tree struct {
		Contexts []struct {
			Context string `json:"context"`
		} `json:"contexts"`
	}
	if err := conn.call(ctx, "browsingContext.getTree", map[string]any{"maxDepth": 0}, &tree); err != nil {
		t.Fatal(err)
	}
	page = &bidiPage{c: conn}
	if len(tree.Contexts) > 0 {
		page.context = tree.Contexts[0].Context
	} else {
		var created struct {
			Context string `json:"context"`
		}
		if err := conn.call(ctx, "browsingContext.create", map[string]any{"type": "tab"}, &created); err != nil {
			t.Fatal(err)
		}
		page.context = created.Context
	}
	return page, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), errs...)
	}
}

// jsVisible is true when the element selected by sel is in the page,
// not inside a hidden element and laid out.
func jsVisible(sel string) string {
	return fmt.Sprintf(`((e) => !!e && !e.closest("[hidden]") && e.getClientRects().length > 0)(document.querySelector(%q))`, sel)
}

// jsClick clicks the element selected by sel, throwing if it is missing.
func jsClick(sel string) string {
	return fmt.Sprintf(`((e) => { if (!e) throw new Error("no element " + %q); e.click(); return true; })(document.querySelector(%q))`, sel, sel)
}

// dominantHz estimates the frequency of a tone from its zero crossings.
func dominantHz(samples []int16, rate int) float64 {
	crossings := 0
	for i := 1; i < len(samples); i++ {
		if (samples[i-1] < 0) != (samples[i] < 0) {
			crossings++
		}
	}
	return float64(crossings) / 2 / (float64(len(samples)) / float64(rate))
}

func rms(samples []int16) float64 {
	var sum float64
	for _, s := range samples {
		sum += float64(s) * float64(s)
	}
	return math.Sqrt(sum / float64(max(len(samples), 1)))
}

// TestFirefoxCallRecordsAndStopScribe opens the real call page in headless
// Firefox, driven over WebDriver BiDi: consent, join, its fake microphone (a
// tone) is recorded in chunks during the call; "Stop AI scribe" removes the
// recording indicator, stops storage and records the revocation.
func TestFirefoxCallRecordsAndStopScribe(t *testing.T) {
	requireFirefox(t) // skip before starting a relay and a clinician
	b := newMemBackend()
	_, srv := startRelay(t, RelayConfig{ChunkMax: SampleRate}, b)
	b.addToken("tok-firefox", "s-ff", client, time.Hour)
	b.addToken("tok-clin", "s-ff", clinician, time.Hour)

	// A Go clinician is in the call first, sending Opus silence frames.
	clin, refused := capturetest.Dial(t, srv.URL, "s-ff", "tok-clin")
	if clin == nil {
		t.Fatalf("clinician refused: %s", refused)
	}
	clinAudio, _ := clin.JoinMedia(capturetest.LoopbackAPI(t))
	waitConnected(t, clin)
	silence := make([][]byte, 50)
	for i := range silence {
		silence[i] = []byte{0xf8, 0xff, 0xfe} // a 20 ms Opus CELT silence frame
	}
	pubCtx, stopPub := context.WithCancel(context.Background())
	defer stopPub()
	go capturetest.PublishLoop(pubCtx, clinAudio, nil, silence)

	page, consoleErrors := firefox(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	wait := func(what string, d time.Duration, expr string) {
		t.Helper()
		if err := page.waitTrue(ctx, d, expr); err != nil {
			t.Fatalf("%s: %v (console errors: %v)", what, err, consoleErrors())
		}
	}
	click := func(sel string) {
		t.Helper()
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if err := page.eval(cctx, jsClick(sel), nil); err != nil {
			t.Fatalf("click %s: %v (console errors: %v)", sel, err, consoleErrors())
		}
	}

	nctx, ncancel := context.WithTimeout(ctx, 60*time.Second)
	if err := page.navigate(nctx, srv.URL+"/call/s-ff?token=tok-firefox"); err != nil {
		ncancel()
		t.Fatalf("open call page: %v", err)
	}
	ncancel()
	// Prove the console listener works before trusting its silence.
	if err := page.eval(ctx, `console.error("scribe-test-probe")`, nil); err != nil {
		t.Fatalf("probe console: %v", err)
	}
	probed := func() []string {
		var real []string
		for _, e := range consoleErrors() {
			if !strings.Contains(e, "scribe-test-probe") {
				real = append(real, e)
			}
		}
		return real
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(consoleErrors()) == len(probed()) {
		if time.Now().After(deadline) {
			t.Fatal("console.error is not observed over WebDriver BiDi; the console-error check would be blind")
		}
		time.Sleep(20 * time.Millisecond)
	}

	wait("consent shown", 15*time.Second, jsVisible(`[data-testid=consent-accept]`))
	click(`[data-testid=consent-accept]`)
	wait("join enabled", 15*time.Second, jsVisible(`[data-testid=join]:not([disabled])`))
	click(`[data-testid=join]`)
	wait("recording indicator", 20*time.Second, jsVisible(`[data-testid=recording-indicator]`))
	// Firefox sends RED only if it offers it; plain Opus (with in-band
	// FEC) is recorded as well. Logged, not required.
	wait("audio codec", 10*time.Second, `!!document.getElementById("call").dataset.audioCodec`)
	var codec string
	if err := page.eval(ctx, `document.getElementById("call").dataset.audioCodec`, &codec); err != nil {
		t.Fatalf("audio codec: %v", err)
	}
	t.Logf("firefox sends %s", codec)

	// Media flows both ways: the page shows the clinician's tile, the
	// clinician receives Firefox's fake microphone and camera.
	wait("clinician tile", 20*time.Second, `document.querySelector("#tiles figure:nth-child(2) video")`)
	clin.WaitFor(20*time.Second, "firefox media at the clinician", func() bool {
		return clin.GotAudio() > 50 && clin.GotVideo() > 10
	})

	b.waitFor(t, 30*time.Second, "two chunks from firefox", func() bool {
		chunks, _, _, _ := b.snapshot()
		return len(chunks["client"]) >= 2
	})
	chunks, attend, _, _ := b.snapshot()
	// Firefox's fake microphone is a steady tone: the stored audio must
	// carry it (loud, one dominant pitch), not silence.
	// (Its sine is 1 kHz; the first chunk may begin before it starts.)
	var loudest []int16
	for _, c := range chunks["client"] {
		if rms(c.Samples) > rms(loudest) {
			loudest = c.Samples
		}
	}
	level, hz := rms(loudest), dominantHz(loudest, SampleRate)
	t.Logf("firefox chunks: %d; loudest: %d samples, RMS %.0f, zero-crossing pitch %.0f Hz", len(chunks["client"]), len(loudest), level, hz)
	if level < 300 {
		t.Errorf("firefox chunks have RMS %.0f at most: the fake microphone's tone was not recorded", level)
	} else if hz < 900 || hz > 1100 {
		t.Errorf("loudest firefox chunk has a pitch of %.0f Hz, want Firefox's 1 kHz fake tone", hz)
	}
	if len(attend) != 2 || attend[1] != "client:join" {
		t.Errorf("attendance %v, want clinician:join then client:join", attend)
	}

	click(`[data-testid=scribe-stop]`)
	wait("recording indicator removed", 15*time.Second, `!document.querySelector("[data-testid=recording-indicator]")`)
	b.waitFor(t, 10*time.Second, "revocation", func() bool { _, _, _, r := b.snapshot(); return r >= 1 })
	if _, _, _, revokes := b.snapshot(); revokes != 1 {
		t.Errorf("RevokeConsent called %d times, want 1", revokes)
	}
	stopped, _, _, _ := b.snapshot()
	heard := clin.GotAudio()
	time.Sleep(1500 * time.Millisecond) // more than a chunk of audio keeps arriving
	after, _, _, _ := b.snapshot()
	if len(after["client"]) != len(stopped["client"]) {
		t.Errorf("%d chunks stored after Stop AI scribe", len(after["client"])-len(stopped["client"]))
	}
	// Stopping the scribe stops recording, not the call.
	if got := clin.GotAudio(); got <= heard {
		t.Errorf("the clinician received no firefox audio after Stop AI scribe (%d packets before, %d after)", heard, got)
	}

	click(`[data-testid=leave]`)
	clin.WaitFor(10*time.Second, "firefox gone", func() bool { return len(clin.State().Participants) == 1 })
	clin.End()
	b.waitFor(t, 10*time.Second, "CallEnded", func() bool { _, _, ended, _ := b.snapshot(); return len(ended) == 1 })
	var pageError string
	if err := page.eval(ctx, `document.querySelector("[data-testid=error]").hidden ? "" : document.querySelector("[data-testid=error]").textContent`, &pageError); err != nil {
		t.Errorf("read page error: %v", err)
	} else if pageError != "" {
		t.Errorf("page shows an error: %q", pageError)
	}
	if errs := probed(); len(errs) > 0 {
		t.Errorf("page logged errors: %v", errs)
	}
}
