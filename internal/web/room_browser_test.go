package web

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/network"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/scribe-health/scribe/internal/app"
	"github.com/scribe-health/scribe/internal/fakeopenai"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/testenv"
	"github.com/scribe-health/scribe/internal/testenv/chrome"
)

// roomRig is the app with the real pipeline behind it (transcription by
// pocketsphinx behind the fake OpenAI API, redaction, drafting) and a
// headless Chromium whose microphone plays a file of synthesised speech.
type roomRig struct {
	t    *testing.T
	e    *env
	fake *fakeopenai.Server
	ctx  context.Context
	errs func() []string
	sess store.Session
	link string
}

// say places each phrase at its second on a timeline of total seconds:
// the fake microphone's file.
type said struct {
	at   float64
	text string
}

func speechFile(t *testing.T, total float64, phrases ...said) string {
	t.Helper()
	var pcm []int16
	for _, p := range phrases {
		start := int(p.at * 16000)
		if start < len(pcm) {
			t.Fatalf("phrase at %.0f s overlaps the one before", p.at)
		}
		pcm = append(pcm, make([]int16, start-len(pcm))...)
		pcm = append(pcm, testenv.Speech(t, p.text)...)
	}
	if end := int(total * 16000); end > len(pcm) {
		pcm = append(pcm, make([]int16, end-len(pcm))...)
	}
	path := filepath.Join(t.TempDir(), "room.wav")
	if err := os.WriteFile(path, testenv.WAV(16000, pcm), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func newRoomRig(t *testing.T, micFile string, width, height int) *roomRig {
	t.Helper()
	return newRoomRigWith(t, micFile, width, height, true)
}

// newRoomRigWith: fakeUI false leaves the microphone permission to the
// browser's own rules (headless: what the test sets, or a prompt refused).
func newRoomRigWith(t *testing.T, micFile string, width, height int, fakeUI bool) *roomRig {
	t.Helper()
	e, fake := pipelineEnv(t, nil)
	clin := e.addUser("therapist@example.org", store.RoleClinician, false)
	res, err := e.web.service().ScheduleSession(e.ctx, clin, app.ScheduleInput{ClientAlias: "client-41", Mode: app.ModeRoom})
	if err != nil {
		t.Fatal(err)
	}
	ctx, errs := chrome.Start(t, chromedp.WindowSize(width, height),
		chromedp.Flag("use-fake-ui-for-media-stream", fakeUI),
		chromedp.Flag("use-fake-device-for-media-stream", true),
		chromedp.Flag("use-file-for-fake-audio-capture", micFile),
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"))
	return &roomRig{t: t, e: e, fake: fake, ctx: ctx, errs: errs, sess: res.Session,
		link: e.srv.URL + "/room/" + res.Session.ID + "?token=" + res.Links[0].Token}
}

func (r *roomRig) step(what string, d time.Duration, steps ...chromedp.Action[chromedp.Void]) {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(r.ctx, d)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		r.t.Fatalf("%s: %v (console errors: %v)", what, err, r.errs())
	}
	if ce := r.errs(); len(ce) > 0 {
		r.t.Fatalf("%s: console errors: %v", what, ce)
	}
}

func (r *roomRig) eval(expr string) string {
	r.t.Helper()
	v, err := chromedp.Run(r.ctx, chromedp.Evaluate[string](expr))
	if err != nil {
		r.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// waitFor polls a page condition (generous deadline: the machine is shared).
func (r *roomRig) waitFor(what, cond string, d time.Duration) {
	r.t.Helper()
	r.step(what, d, chromedp.Poll[chromedp.Void](cond, chromedp.WithPollingTimeout(d)))
}

// open loads the room page and waits for the consent question.
func (r *roomRig) open() {
	r.t.Helper()
	if err := chromedp.Do(r.ctx, chromedp.Navigate(r.link)); err != nil {
		r.t.Fatalf("open the room page: %v", err)
	}
	r.step("consent question", 15*time.Second, chromedp.WaitVisible(chromedp.CSS(`[data-testid=consent-attest]`)))
}

func (r *roomRig) click(what, testid string) {
	r.t.Helper()
	r.step(what, 15*time.Second, chromedp.Click(chromedp.CSS(`[data-testid=`+testid+`]`)))
}

// startRecording attests consent and starts recording; it returns when
// the indicator says so (the fake microphone's file starts then).
func (r *roomRig) startRecording() time.Time {
	r.t.Helper()
	r.click("attest consent", "consent-attest")
	r.step("recorder", 15*time.Second, chromedp.WaitVisible(chromedp.CSS(`[data-testid=record-start]`)))
	r.click("start recording", "record-start")
	r.waitFor("recording", `document.querySelector('[data-testid=recording-indicator]').dataset.state === 'recording'`, 15*time.Second)
	return time.Now()
}

// until waits for wall-clock time at (the recording's timeline).
func until(at time.Time) {
	if d := time.Until(at); d > 0 {
		time.Sleep(d)
	}
}

func (r *roomRig) pieces() int {
	r.t.Helper()
	ps, err := r.e.store.RoomPieces(r.e.ctx, r.sess.ID)
	if err != nil {
		r.t.Fatal(err)
	}
	return len(ps)
}

// stopAndTranscript presses Stop, waits for the page to say the recording
// is on the server and for the pipeline to draft the note, and returns the
// session's transcript text (as the review page shows it).
func (r *roomRig) stopAndTranscript() string {
	r.t.Helper()
	r.click("stop", "record-stop")
	r.waitFor("recording sent", `!document.querySelector('[data-testid=room-done]').closest('section').hidden`, 2*time.Minute)
	deadline := time.Now().Add(4 * time.Minute)
	for {
		sess, err := r.e.store.Session(r.e.ctx, r.sess.ID)
		if err != nil {
			r.t.Fatal(err)
		}
		if sess.Status == store.StatusReady {
			break
		}
		if sess.Status == store.StatusFailed || time.Now().After(deadline) {
			r.t.Fatalf("the pipeline did not draft the room recording: status %q (%s: %s)", sess.Status, sess.FailedStage, sess.FailedReason)
		}
		time.Sleep(500 * time.Millisecond)
	}
	segs, _, err := r.e.web.transcriptFor(r.e.ctx, r.sess.ID)
	if err != nil {
		r.t.Fatal(err)
	}
	var words []string
	for _, s := range segs {
		words = append(words, strings.ToLower(s.Text))
	}
	if p := r.fake.Problems(); len(p) > 0 {
		r.t.Fatalf("the fake OpenAI API found problems: %v", p)
	}
	return strings.Join(words, " ")
}

// heard reports whether most of a phrase's keywords are in the transcript
// (pocketsphinx gets a word wrong now and then).
func heard(transcript string, keywords ...string) bool {
	n := 0
	for _, k := range keywords {
		if strings.Contains(transcript, k) {
			n++
		}
	}
	return n*3 >= len(keywords)*2
}

func requireRoomTools(t *testing.T) {
	t.Helper()
	requireTool(t, "chromium")
	requireTool(t, "flite")
	requireTool(t, "pocketsphinx_continuous")
}

// TestBrowserRoomOutage (must show): the clinician attests the client's
// verbal consent and records the room; eight seconds in, the browser goes
// offline for 60 seconds while the speech goes on (the page keeps the
// pieces in IndexedDB and the server receives none), then comes back; the
// clinician presses Stop. The transcript holds the words spoken during the
// outage, and nothing said after Stop.
func TestBrowserRoomOutage(t *testing.T) {
	requireRoomTools(t)
	mic := speechFile(t, 100,
		said{2, "how have you been sleeping since our last session"},
		said{24, "i have been sleeping better but work makes me anxious"},
		said{50, "we will meet again next week and review your plan"},
		said{90, "the weather is cold and the river is frozen"})
	r := newRoomRig(t, mic, 1280, 900)
	r.open()
	t0 := r.startRecording()

	until(t0.Add(8 * time.Second))
	if _, err := chromedp.Call(r.ctx, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
		MatchedNetworkConditions: []*network.Conditions{{Offline: true, DownloadThroughput: -1, UploadThroughput: -1}}}); err != nil {
		t.Fatalf("take the browser offline: %v", err)
	}
	if _, err := chromedp.Call(r.ctx, network.OverrideNetworkState, network.OverrideNetworkStateParams{Offline: true, DownloadThroughput: -1, UploadThroughput: -1}); err != nil {
		t.Fatalf("take the browser offline: %v", err)
	}
	offline := time.Now()
	time.Sleep(2 * time.Second) // a request already on its way may still land
	before := r.pieces()
	until(offline.Add(60 * time.Second))
	during := r.pieces()
	waiting := r.eval(`document.querySelector('[data-testid=upload-status]').dataset.pending || '0'`)
	if _, err := chromedp.Call(r.ctx, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{MatchedNetworkConditions: []*network.Conditions{}}); err != nil {
		t.Fatalf("bring the browser back online: %v", err)
	}
	if _, err := chromedp.Call(r.ctx, network.OverrideNetworkState, network.OverrideNetworkStateParams{Offline: false, DownloadThroughput: -1, UploadThroughput: -1}); err != nil {
		t.Fatalf("bring the browser back online: %v", err)
	}
	t.Logf("pieces on the server when the outage began: %d, at its end: %d; waiting in the browser: %s", before, during, waiting)
	if during != before {
		t.Fatalf("the server received %d pieces while the browser was offline", during-before)
	}
	if waiting == "0" || waiting == "" {
		t.Fatal("the page kept no pieces during the outage")
	}
	r.waitFor("pieces sent after the outage", `document.querySelector('[data-testid=upload-status]').dataset.pending === '0'`, time.Minute)
	until(t0.Add(78 * time.Second))
	elapsed := r.eval(`document.querySelector('[data-testid=recording-elapsed]').textContent`)
	text := r.stopAndTranscript()
	t.Logf("elapsed at stop %s; transcript: %q", elapsed, text)
	if !heard(text, "sleeping", "last", "session") {
		t.Error("the words before the outage are missing")
	}
	if !heard(text, "better", "work", "anxious") {
		t.Error("the words spoken 16 s into the outage are missing")
	}
	if !heard(text, "meet", "week", "plan") {
		t.Error("the words spoken 42 s into the outage are missing")
	}
	for _, w := range []string{"weather", "cold", "river", "frozen"} {
		if strings.Contains(text, w) {
			t.Errorf("the transcript holds %q, said after Stop", w)
		}
	}
	if n := r.pieces(); n != 0 {
		t.Errorf("%d pieces left on the server after the recording was assembled", n)
	}
}

// TestBrowserRoomPause (must show): nothing said between Pause and Resume
// is kept; what is said before and after is.
func TestBrowserRoomPause(t *testing.T) {
	requireRoomTools(t)
	mic := speechFile(t, 60,
		said{1, "how have you been sleeping since our last session"},
		said{12, "the weather is cold and the river is frozen"},
		said{26, "we will meet again next week and review your plan"})
	r := newRoomRig(t, mic, 1280, 900)
	r.open()
	t0 := r.startRecording()
	until(t0.Add(8 * time.Second))
	r.click("pause", "record-pause")
	r.waitFor("paused", `document.querySelector('[data-testid=recording-indicator]').dataset.state === 'paused'`, 10*time.Second)
	until(t0.Add(22 * time.Second))
	r.click("resume", "record-resume")
	until(t0.Add(34 * time.Second))
	text := r.stopAndTranscript()
	t.Logf("transcript: %q", text)
	if !heard(text, "sleeping", "last", "session") || !heard(text, "meet", "week", "plan") {
		t.Error("the words before the pause or after the resume are missing")
	}
	for _, w := range []string{"weather", "cold", "river", "frozen"} {
		if strings.Contains(text, w) {
			t.Errorf("the transcript holds %q, said while paused", w)
		}
	}
}

// TestBrowserRoomDecline (must show): the client declines; the page says
// nothing is recorded, no microphone is opened, and the session ends with
// no recording and nothing kept.
func TestBrowserRoomDecline(t *testing.T) {
	requireRoomTools(t)
	mic := speechFile(t, 10, said{1, "how have you been sleeping since our last session"})
	r := newRoomRig(t, mic, 390, 844)
	r.open()
	r.click("decline", "consent-decline")
	r.waitFor("declined", `!document.querySelector('[data-testid=room-done]').closest('section').hidden`, 15*time.Second)
	if msg := r.eval(`document.querySelector('[data-testid=room-done]').textContent`); !strings.Contains(msg, "Nothing was recorded") {
		t.Errorf("the page says %q after a decline", msg)
	}
	if r.eval(`String(document.querySelector('[data-testid=record-start]').offsetParent === null)`) != "true" {
		t.Error("the record button is shown after a decline")
	}
	sess, err := r.e.store.Session(r.e.ctx, r.sess.ID)
	if err != nil {
		t.Fatal(err)
	}
	if sess.Status != store.StatusNoRecording || !sess.CaptureEnded {
		t.Errorf("after a decline: status %q, capture ended %v", sess.Status, sess.CaptureEnded)
	}
	chunks, _ := r.e.store.Chunks(r.e.ctx, r.sess.ID)
	if len(chunks) != 0 || r.pieces() != 0 {
		t.Errorf("a declined session kept %d chunks and %d pieces", len(chunks), r.pieces())
	}
	if n := r.fake.Arrived(); n != 0 {
		t.Errorf("%d transcription requests for a declined session", n)
	}
	if got := fmt.Sprint(r.e.auditActions()); !strings.Contains(got, "consent.record") {
		t.Errorf("the decline is not in the audit log: %s", got)
	}
}

// TestBrowserRoomReload: the server cannot be reached for piece uploads
// (a rule of the browser's network emulation) while the clinician records;
// reloading the page warns that audio has not been sent yet; after the
// reload the pieces kept in IndexedDB are sent once uploads get through,
// and Stop turns them into the session's transcript.
func TestBrowserRoomReload(t *testing.T) {
	requireRoomTools(t)
	mic := speechFile(t, 60, said{2, "how have you been sleeping since our last session"})
	r := newRoomRig(t, mic, 390, 844)
	var dialogs []string
	var mu sync.Mutex
	chromedp.Listen(r.ctx, func(ev any) {
		if d, ok := ev.(*cdppage.EventJavascriptDialogOpening); ok {
			mu.Lock()
			dialogs = append(dialogs, string(d.Type))
			mu.Unlock()
			go chromedp.Call(r.ctx, cdppage.HandleJavaScriptDialog, cdppage.HandleJavaScriptDialogParams{Accept: true})
		}
	})
	r.open()
	block := func(on bool) {
		t.Helper()
		var rules []*network.Conditions
		if on {
			rules = []*network.Conditions{{URLPattern: r.e.srv.URL + "/room/*/pieces/*", Offline: true, DownloadThroughput: -1, UploadThroughput: -1}}
		}
		if _, err := chromedp.Call(r.ctx, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{MatchedNetworkConditions: rules}); err != nil {
			t.Fatalf("network rule: %v", err)
		}
	}
	block(true)
	t0 := r.startRecording()
	until(t0.Add(11 * time.Second))
	r.waitFor("pieces kept in the browser", `Number(document.querySelector('[data-testid=upload-status]').dataset.pending || 0) >= 2`, 20*time.Second)
	if n := r.pieces(); n != 0 {
		t.Fatalf("%d pieces reached the server through the block", n)
	}
	r.step("reload", 30*time.Second, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`[data-testid=record-stop]`)))
	mu.Lock()
	warned := strings.Join(dialogs, ",")
	mu.Unlock()
	if !strings.Contains(warned, "beforeunload") {
		t.Errorf("reloading with audio not yet sent gave no warning (dialogs: %q)", warned)
	}
	if n := r.pieces(); n != 0 {
		t.Fatalf("%d pieces reached the server through the block", n)
	}
	block(false)
	r.waitFor("pieces sent after the reload", `document.querySelector('[data-testid=upload-status]').dataset.pending === '0'`, time.Minute)
	if n := r.pieces(); n < 2 {
		t.Fatalf("%d pieces on the server after the reload", n)
	}
	text := r.stopAndTranscript()
	t.Logf("transcript: %q", text)
	if !heard(text, "sleeping", "last", "session") {
		t.Error("the words recorded before the reload are missing")
	}
}

// TestBrowserRoomMicrophoneRefused: with the microphone refused to the
// site, Start recording says so in words (how to allow it) and records
// nothing; on a device with no microphone at all it says that.
func TestBrowserRoomMicrophoneRefused(t *testing.T) {
	requireRoomTools(t)
	mic := speechFile(t, 10, said{1, "how have you been"})
	r := newRoomRigWith(t, mic, 390, 844, false)
	r.open()
	origin := r.e.srv.URL
	if _, err := chromedp.CallBrowser(r.ctx, browser.SetPermission, browser.SetPermissionParams{
		Permission: &browser.PermissionDescriptor{Name: "microphone"}, Setting: browser.PermissionSettingDenied, Origin: origin}); err != nil {
		t.Fatalf("refuse the microphone: %v", err)
	}
	r.click("attest consent", "consent-attest")
	r.step("recorder", 15*time.Second, chromedp.WaitVisible(chromedp.CSS(`[data-testid=record-start]`)))
	r.click("start recording", "record-start")
	r.waitFor("refusal explained", `!document.querySelector('[data-testid=mic-error]').hidden`, 15*time.Second)
	if msg := r.eval(`document.querySelector('[data-testid=mic-error]').textContent`); !strings.Contains(msg, "may not use the microphone") || !strings.Contains(msg, "Allow it") {
		t.Errorf("with the microphone refused the page says %q", msg)
	}
	if st := r.eval(`document.querySelector('[data-testid=recording-indicator]').dataset.state`); st != "idle" {
		t.Errorf("indicator %q with the microphone refused", st)
	}

	// No microphone: the browser finds no capture device.
	if _, err := chromedp.Call(r.ctx, cdppage.AddScriptToEvaluateOnNewDocument, cdppage.AddScriptToEvaluateOnNewDocumentParams{
		Source: `navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('Requested device not found', 'NotFoundError'));`}); err != nil {
		t.Fatal(err)
	}
	r.step("reload", 15*time.Second, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`[data-testid=record-start]`)))
	r.click("start recording", "record-start")
	r.waitFor("no microphone explained", `!document.querySelector('[data-testid=mic-error]').hidden`, 15*time.Second)
	if msg := r.eval(`document.querySelector('[data-testid=mic-error]').textContent`); !strings.Contains(msg, "No microphone was found") {
		t.Errorf("with no microphone the page says %q", msg)
	}
	if n := r.pieces(); n != 0 {
		t.Errorf("%d pieces kept without a microphone", n)
	}
}

// TestBrowserRoomStopAIScribe: "Stop AI scribe" during a recording keeps
// nothing: the pieces already on the server are deleted, the consent is
// revoked, and the session ends with no recording.
func TestBrowserRoomStopAIScribe(t *testing.T) {
	requireRoomTools(t)
	mic := speechFile(t, 30, said{1, "how have you been sleeping since our last session"})
	r := newRoomRig(t, mic, 390, 844)
	r.open()
	r.startRecording()
	deadline := time.Now().Add(30 * time.Second)
	for r.pieces() < 2 {
		if time.Now().After(deadline) {
			t.Fatal("no pieces reached the server")
		}
		time.Sleep(200 * time.Millisecond)
	}
	r.click("stop AI scribe", "scribe-stop")
	r.waitFor("stopped", `!document.querySelector('[data-testid=room-done]').closest('section').hidden`, 20*time.Second)
	if msg := r.eval(`document.querySelector('[data-testid=room-done]').textContent`); !strings.Contains(msg, "Nothing recorded was kept") {
		t.Errorf("after Stop AI scribe the page says %q", msg)
	}
	sess, _ := r.e.store.Session(r.e.ctx, r.sess.ID)
	chunks, _ := r.e.store.Chunks(r.e.ctx, r.sess.ID)
	if n := r.pieces(); n != 0 || len(chunks) != 0 || sess.Status != store.StatusNoRecording {
		t.Errorf("after Stop AI scribe: %d pieces, %d chunks, status %q", n, len(chunks), sess.Status)
	}
	if left := r.await(`new Promise((ok) => { const q = indexedDB.open('scribe-room'); q.onsuccess = () => { const g = q.result.transaction('pieces').objectStore('pieces').count(); g.onsuccess = () => ok(String(g.result)); }; })`); left != "0" {
		// A piece handed over after the press must not wait in the browser.
		t.Errorf("%s pieces left in the browser after Stop AI scribe", left)
	}
}
