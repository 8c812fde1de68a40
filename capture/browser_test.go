package capture

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pion/webrtc/v4"

	"github.com/scribe-health/scribe/capture/capturetest"
	"github.com/scribe-health/scribe/internal/testenv/chrome"
)

// browser starts headless Chromium with a WAV file as its microphone and
// collects every console error and uncaught exception of the page.
func browser(t *testing.T, micWAV string) (ctx context.Context, consoleErrors func() []string) {
	t.Helper()
	return chrome.Start(t,
		chromedp.Flag("use-fake-ui-for-media-stream", true),
		chromedp.Flag("use-fake-device-for-media-stream", true),
		chromedp.Flag("use-file-for-fake-audio-capture", micWAV),
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"),
	)
}

// page drives one browser's call page.
type page struct {
	t    *testing.T
	name string
	ctx  context.Context
	errs func() []string // console errors and uncaught exceptions so far
}

// openPage starts Chromium with micWAV as its microphone on the call page
// at url.
func openPage(t *testing.T, name, micWAV, url string) *page {
	t.Helper()
	ctx, errs := browser(t, micWAV)
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil { // starts the browser: no timeout
		t.Fatalf("%s: open call page: %v", name, err)
	}
	return &page{t: t, name: name, ctx: ctx, errs: errs}
}

// step runs actions within d, failing the test with the page's errors.
func (p *page) step(what string, d time.Duration, steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	sctx, cancel := context.WithTimeout(p.ctx, d)
	defer cancel()
	if err := chromedp.Do(sctx, steps...); err != nil {
		p.t.Fatalf("%s: %s: %v (console errors: %v)", p.name, what, err, p.errs())
	}
}

// consentAndJoin accepts the AI-scribe consent and joins the call.
func (p *page) consentAndJoin() {
	p.t.Helper()
	p.step("consent and join", 15*time.Second,
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=consent-accept]`)),
		chromedp.Click(chromedp.CSS(`[data-testid=consent-accept]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=join]:not([disabled])`)),
		chromedp.Click(chromedp.CSS(`[data-testid=join]`)),
	)
}

// TestBrowserCallRecordsAndStopScribe opens the real call page in headless
// Chromium: consent, join, its microphone (a speech file) is recorded in
// chunks during the call; "Stop AI scribe" removes the recording indicator,
// stops storage and records the revocation.
func TestBrowserCallRecordsAndStopScribe(t *testing.T) {
	wav, _ := capturetest.SynthSpeech(t, speechText)
	b := newMemBackend()
	_, srv := startRelay(t, RelayConfig{ChunkMax: SampleRate}, b)
	// A Go clinician is in the call first, sending Opus silence frames.
	clin, clinAudio, _ := clinicianFirst(t, srv.URL, b, "s-web")
	silence := make([][]byte, 50)
	for i := range silence {
		silence[i] = []byte{0xf8, 0xff, 0xfe} // a 20 ms Opus CELT silence frame
	}
	pubCtx, stopPub := context.WithCancel(context.Background())
	defer stopPub()
	go capturetest.PublishLoop(pubCtx, clinAudio, nil, silence)

	pg := openPage(t, "client", wav, srv.URL+"/call/s-web?token=tok-browser")
	ctx, consoleErrors, step := pg.ctx, pg.errs, pg.step
	// Prove the console listener works before trusting its silence.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[any](`console.error("scribe-test-probe")`)); err != nil {
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
	deadline := time.Now().Add(5 * time.Second)
	for len(consoleErrors()) == len(probed()) {
		if time.Now().After(deadline) {
			t.Fatal("console.error is not observed; the console-error check would be blind")
		}
		time.Sleep(20 * time.Millisecond)
	}
	pg.consentAndJoin()
	step("recording indicator", 15*time.Second, chromedp.WaitVisible(chromedp.CSS(`[data-testid=recording-indicator]`)))
	// The page asked for RFC 2198 redundant audio, which Chromium supports:
	// the relay records a lost packet from the copy in the next one.
	codec, err := chromedp.Run(ctx, chromedp.Poll[string](`document.getElementById("call").dataset.audioCodec || ""`, chromedp.WithPollingTimeout(10*time.Second)))
	if err != nil {
		t.Fatalf("audio codec: %v", err)
	}
	if codec != "audio/red" {
		t.Errorf("Chromium sends %q, want audio/red (the call page prefers redundancy)", codec)
	}

	// Media flows both ways: the page shows the clinician's tile, the
	// clinician receives the browser's microphone and camera.
	step("clinician tile", 15*time.Second, chromedp.WaitVisible(chromedp.CSS(`#tiles figure:nth-child(2) video`)))
	clin.WaitFor(15*time.Second, "browser media at the clinician", func() bool {
		return clin.GotAudio() > 50 && clin.GotVideo() > 10
	})

	b.waitFor(t, 30*time.Second, "two chunks from the browser", func() bool {
		chunks, _, _, _ := b.snapshot()
		return len(chunks["client"]) >= 2
	})
	chunks, attend, _, _ := b.snapshot()
	var loud bool
	for _, c := range chunks["client"] {
		for _, s := range c.Samples {
			if s > 2000 || s < -2000 {
				loud = true
			}
		}
	}
	if !loud {
		t.Errorf("browser chunks are silent; the fake microphone's speech was not recorded")
	}
	if len(attend) != 2 || attend[1] != "client:join" {
		t.Errorf("attendance %v, want clinician:join then client:join", attend)
	}

	step("stop AI scribe", 15*time.Second,
		chromedp.Click(chromedp.CSS(`[data-testid=scribe-stop]`)),
		chromedp.WaitNotPresent(chromedp.CSS(`[data-testid=recording-indicator]`)),
	)
	_, _, _, revokes := b.snapshot()
	if revokes != 1 {
		t.Errorf("RevokeConsent called %d times, want 1", revokes)
	}
	stopped, _, _, _ := b.snapshot()
	time.Sleep(1500 * time.Millisecond) // more than a chunk of audio keeps arriving
	after, _, _, _ := b.snapshot()
	if len(after["client"]) != len(stopped["client"]) {
		t.Errorf("%d chunks stored after Stop AI scribe", len(after["client"])-len(stopped["client"]))
	}

	step("leave", 10*time.Second, chromedp.Click(chromedp.CSS(`[data-testid=leave]`)))
	clin.WaitFor(10*time.Second, "browser gone", func() bool { return len(clin.State().Participants) == 1 })
	clin.End()
	b.waitFor(t, 10*time.Second, "CallEnded", func() bool { _, _, ended, _ := b.snapshot(); return len(ended) == 1 })
	if errs := probed(); len(errs) > 0 {
		t.Errorf("page logged errors: %v", errs)
	}
}

// remoteAudioPeak measures, in the page, the loudest sample of the first
// remote tile's audio over two seconds (Web Audio on the received stream):
// what the participant hears.
const remoteAudioPeak = `(async () => {
  const v = document.querySelector("#tiles figure:nth-child(2) video");
  if (!v || !v.srcObject || v.srcObject.getAudioTracks().length === 0) return -1;
  const ac = new AudioContext();
  await ac.resume();
  const an = ac.createAnalyser();
  an.fftSize = 2048;
  ac.createMediaStreamSource(v.srcObject).connect(an);
  const buf = new Float32Array(an.fftSize);
  let peak = 0;
  const end = performance.now() + 2000;
  while (performance.now() < end) {
    await new Promise((r) => setTimeout(r, 40));
    an.getFloatTimeDomainData(buf);
    for (const x of buf) peak = Math.max(peak, Math.abs(x));
  }
  await ac.close();
  return peak;
})()`

// logCallState logs what each page shows and where each member's
// negotiation stands at the relay (for a call that does not come up).
func logCallState(t *testing.T, rl *Relay, pages []*page) {
	t.Helper()
	for _, p := range pages {
		v, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](`"indicator=" + !!document.querySelector("[data-testid=recording-indicator]") + " tiles=" + document.querySelectorAll("#tiles figure").length + " status=" + document.getElementById("status").textContent + " error=" + document.getElementById("error").textContent`))
		t.Logf("%s page: %s %v", p.name, v, err)
	}
	rl.mu.Lock()
	defer rl.mu.Unlock()
	for _, rm := range rl.rooms {
		rm.mu.Lock()
		for id, m := range rm.members {
			pc := m.peer()
			if pc == nil {
				t.Logf("relay member %s: no media", id)
				continue
			}
			m.negMu.Lock()
			t.Logf("relay member %s: pc=%v ice=%v signaling=%v ready=%v deferred=%v awaiting=%v again=%v senders=%d; room tracks=%d",
				id, pc.ConnectionState(), pc.ICEConnectionState(), pc.SignalingState(), m.ready, m.deferred, m.awaiting, m.again, len(m.senders), len(rm.tracks))
			m.negMu.Unlock()
		}
		rm.mu.Unlock()
	}
}

// TestChromiumToChromiumCall is the call as therapists and clients have it:
// both in Chromium on the real call page, each with its own microphone (a
// different speech file). Each sees the other (the forwarded video plays)
// and hears the other (audio measured in the receiving page), both speakers are recorded, and each browser's audio
// reaches the other as RED (both negotiated it), so the receiving browser
// can also recover lost packets from the redundancy.
func TestChromiumToChromiumCall(t *testing.T) {
	clinWAV, _ := capturetest.SynthSpeech(t, "Let us review the coping plan we wrote together last week.")
	cliWAV, _ := capturetest.SynthSpeech(t, speechText)
	b := newMemBackend()
	rl, srv := startRelay(t, RelayConfig{ChunkMax: SampleRate}, b)
	b.addToken("tok-c1", "s-cc", clinician, time.Hour)
	b.addToken("tok-c2", "s-cc", client, time.Hour)

	pages := []*page{
		openPage(t, "clinician", clinWAV, srv.URL+"/call/s-cc?token=tok-c1"),
		openPage(t, "client", cliWAV, srv.URL+"/call/s-cc?token=tok-c2"),
	}
	for _, p := range pages {
		p.consentAndJoin()
	}
	for _, p := range pages {
		// Generous: CI runs other browser and speech tests alongside.
		sctx, cancel := context.WithTimeout(p.ctx, 45*time.Second)
		err := chromedp.Do(sctx,
			chromedp.WaitVisible(chromedp.CSS(`[data-testid=recording-indicator]`)),
			chromedp.WaitVisible(chromedp.CSS(`#tiles figure:nth-child(2) video`)),
		)
		cancel()
		if err != nil {
			logCallState(t, rl, pages)
			t.Fatalf("%s: recording indicator and the other's tile: %v (console errors: %v)", p.name, err, p.errs())
		}
		codec, err := chromedp.Run(p.ctx, chromedp.Poll[string](`document.getElementById("call").dataset.audioCodec || ""`, chromedp.WithPollingTimeout(10*time.Second)))
		if err != nil || codec != "audio/red" {
			t.Errorf("%s: Chromium sends %q (%v), want audio/red", p.name, codec, err)
		}
	}

	// Each sees the other: the forwarded video decodes and plays.
	for _, p := range pages {
		if _, err := chromedp.Run(p.ctx, chromedp.Poll[bool](`(v => v && v.videoWidth > 0 && v.currentTime > 1 && !v.paused)(document.querySelector("#tiles figure:nth-child(2) video")) || null`, chromedp.WithPollingTimeout(15*time.Second))); err != nil {
			t.Errorf("%s: the other participant's video does not play: %v", p.name, err)
		}
	}
	// Each hears the other: the fake microphones loop their speech files.
	for _, p := range pages {
		var peak float64
		for try := 0; try < 5 && peak < 0.05; try++ {
			v, err := chromedp.Run(p.ctx, chromedp.Evaluate[float64](remoteAudioPeak, chromedp.EvalAwaitPromise))
			if err != nil {
				t.Fatalf("%s: measure received audio: %v", p.name, err)
			}
			peak = v
		}
		t.Logf("%s hears the other at peak %.3f (full scale 1)", p.name, peak)
		if peak < 0.05 {
			t.Errorf("%s: the other participant's audio is silent in the page (peak %.3f)", p.name, peak)
		}
	}

	// The relay forwards each browser's RED as RED to the other.
	rm := liveRoom(rl, "s-cc")
	if rm == nil {
		t.Fatal("no room for the call")
	}
	rm.mu.Lock()
	var redAudio int
	for _, m := range rm.members {
		for tr, s := range m.senders {
			if tr.kind == webrtc.RTPCodecTypeAudio && tr.localRED != nil && s.Track() == tr.localRED {
				redAudio++
			}
		}
	}
	rm.mu.Unlock()
	if redAudio != 2 {
		t.Errorf("%d of 2 forwarded audio tracks are RED; want both (each browser negotiated RED)", redAudio)
	}

	b.waitFor(t, 30*time.Second, "chunks from both speakers", func() bool {
		chunks, _, _, _ := b.snapshot()
		return len(chunks["clinician"]) >= 2 && len(chunks["client"]) >= 2
	})
	chunks, _, _, _ := b.snapshot()
	for _, speaker := range []string{"clinician", "client"} {
		var peak int16
		for _, c := range chunks[speaker] {
			for _, s := range c.Samples {
				peak = max(peak, s, -max(s, -32767))
			}
		}
		if peak < 2000 {
			t.Errorf("%s recorded silent (peak %d)", speaker, peak)
		}
	}

	pages[0].step("end the call", 10*time.Second, chromedp.Click(chromedp.CSS(`[data-testid=end]`)))
	b.waitFor(t, 15*time.Second, "CallEnded", func() bool { _, _, ended, _ := b.snapshot(); return len(ended) == 1 })
	// Both pages, the clinician's too, say the call ended: no stale
	// recording indicator, no call controls.
	for _, p := range pages {
		p.step("the end shown", 10*time.Second,
			chromedp.WaitNotPresent(chromedp.CSS(`[data-testid=recording-indicator]`)),
			chromedp.WaitNotVisible(chromedp.CSS(`#call`)),
		)
		status, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](`document.getElementById("status").textContent`))
		if err != nil || !strings.HasPrefix(status, "The call has ended (ended by clinician)") {
			t.Errorf("%s: status %q (%v) after the clinician ended the call", p.name, status, err)
		}
	}
	for _, p := range pages {
		if errs := p.errs(); len(errs) > 0 {
			t.Errorf("%s page logged errors: %v", p.name, errs)
		}
	}
}

// TestBrowserRejoinsAfterLostConnection: the call page's signaling
// connection drops (a network change, a relay restart); the page reconnects
// by itself, rejoins without asking for consent again, and the client's
// recording continues on the same timeline. A reload of the page (the join
// token is no longer in its address) also finds the call.
func TestBrowserRejoinsAfterLostConnection(t *testing.T) {
	wav, _ := capturetest.SynthSpeech(t, speechText)
	b := newMemBackend()
	rl, srv := startRelay(t, RelayConfig{ChunkMax: SampleRate}, b)
	clin, _, _ := clinicianFirst(t, srv.URL, b, "s-re")

	pg := openPage(t, "client", wav, srv.URL+"/call/s-re?token=tok-browser")
	consoleErrors, step := pg.errs, pg.step
	pg.consentAndJoin()
	step("recording", 15*time.Second,
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=recording-indicator]`)),
	)
	b.waitFor(t, 20*time.Second, "a chunk from the browser", func() bool {
		chunks, _, _, _ := b.snapshot()
		return len(chunks["client"]) >= 1
	})
	consents := func() int {
		b.mu.Lock()
		defer b.mu.Unlock()
		return len(b.consents)
	}
	decided := consents()

	// The network drops the page's signaling connection.
	rm := liveRoom(rl, "s-re")
	rm.mu.Lock()
	m := rm.members[client.ID]
	rm.mu.Unlock()
	if m == nil {
		t.Fatal("the browser is not a member of the call")
	}
	m.closeConn("test: network drop")
	clin.WaitFor(10*time.Second, "the browser gone", func() bool {
		for _, p := range clin.State().Participants {
			if p.ID == client.ID && p.InCall {
				return false
			}
		}
		return true
	})
	before, _, _, _ := b.snapshot()

	// It comes back by itself, without a second consent question.
	step("rejoined", 20*time.Second, chromedp.WaitVisible(chromedp.CSS(`[data-testid=recording-indicator]`)))
	clin.WaitFor(15*time.Second, "the browser back in the call", func() bool {
		for _, p := range clin.State().Participants {
			if p.ID == client.ID && p.InCall {
				return true
			}
		}
		return false
	})
	if n := consents(); n != decided {
		t.Errorf("%d consent decisions recorded on rejoining; the page should not ask again", n-decided)
	}
	b.waitFor(t, 20*time.Second, "recording continued after the rejoin", func() bool {
		chunks, _, _, _ := b.snapshot()
		return len(chunks["client"]) >= len(before["client"])+2
	})
	chunks, _, _, _ := b.snapshot()
	timeline(t, chunks["client"]) // one speaker timeline: chunk indices tile

	// A reload finds the call with the token kept for this tab.
	step("reload", 15*time.Second,
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=consent-accept]`)),
	)

	// The same participant opens the call elsewhere: this page steps
	// aside and does not reconnect (which would take the call back).
	other, refused := capturetest.Dial(t, srv.URL, "s-re", "tok-browser")
	if other == nil {
		t.Fatalf("second window refused: %s", refused)
	}
	status, err := chromedp.Run(pg.ctx, chromedp.Poll[string](`(t => t.includes("another window") ? t : null)(document.getElementById("status").textContent)`, chromedp.WithPollingTimeout(10*time.Second)))
	if err != nil {
		t.Fatalf("the replaced page does not say so: %v", err)
	}
	t.Logf("replaced page: %q", status)
	time.Sleep(2 * time.Second) // longer than the first reconnection delay
	for _, e := range other.Errors() {
		if strings.Contains(e, "another window") {
			t.Errorf("the replaced page reconnected and took the call back: %q", e)
		}
	}
	clin.End()
	b.waitFor(t, 10*time.Second, "CallEnded", func() bool { _, _, ended, _ := b.snapshot(); return len(ended) == 1 })
	if errs := consoleErrors(); len(errs) > 0 {
		t.Errorf("page logged errors: %v", errs)
	}
}

// TestBrowserRecoversFromFailedSetup: when the page cannot apply a step of
// the call's set-up (here the server's first offer is made to fail), it
// says so and starts afresh: it reconnects, rejoins without a second
// consent question, and ends up in the call with the other participant.
func TestBrowserRecoversFromFailedSetup(t *testing.T) {
	wav, _ := capturetest.SynthSpeech(t, speechText)
	b := newMemBackend()
	_, srv := startRelay(t, RelayConfig{ChunkMax: SampleRate}, b)
	clin, a, v := clinicianFirst(t, srv.URL, b, "s-fail")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, packets := speechPackets(t)
	go capturetest.PublishLoop(ctx, a, v, packets)

	pg := openPage(t, "client", wav, srv.URL+"/call/s-fail?token=tok-browser")
	if _, err := chromedp.Run(pg.ctx, chromedp.Evaluate[bool](`(() => {
	  const orig = RTCPeerConnection.prototype.setRemoteDescription;
	  window.injectedFailures = 0;
	  RTCPeerConnection.prototype.setRemoteDescription = function (d) {
	    if (window.injectedFailures === 0 && d && d.type === "offer") {
	      window.injectedFailures++;
	      return Promise.reject(new Error("injected test failure"));
	    }
	    return orig.apply(this, arguments);
	  };
	  return true;
	})()`)); err != nil {
		t.Fatal(err)
	}
	pg.consentAndJoin()
	pg.step("back in the call with the clinician", 45*time.Second,
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=recording-indicator]`)),
		chromedp.WaitVisible(chromedp.CSS(`#tiles figure:nth-child(2) video`)),
		chromedp.WaitNotVisible(chromedp.CSS(`[data-testid=error]`)),
	)
	n, err := chromedp.Run(pg.ctx, chromedp.Evaluate[int](`window.injectedFailures`))
	if err != nil || n != 1 {
		t.Fatalf("the injected failure did not happen (%d, %v): the test covers nothing", n, err)
	}
	b.mu.Lock()
	decisions := len(b.consents)
	b.mu.Unlock()
	if decisions != 1 {
		t.Errorf("%d consent decisions recorded; the rejoin should not ask again", decisions)
	}
	clin.WaitFor(15*time.Second, "the browser's media", func() bool { return clin.GotAudio() > 50 })
	if errs := pg.errs(); len(errs) > 0 {
		t.Errorf("page logged errors: %v", errs)
	}
}
