package web

import (
	"bytes"
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/fakeopenai"
	"github.com/scribe-health/scribe/internal/pipeline"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/testenv"
	"github.com/scribe-health/scribe/internal/testenv/chrome"
	"github.com/scribe-health/scribe/internal/transcript"
)

// TestBrowserSpeakerSwap: a single-channel recording of two flite voices
// (the clinician's question, the client's answer, the clinician's plan) is
// uploaded as mono through the real pipeline. The transcription provider
// does not diarize, so the drafting model (the fake, which checks that it
// is asked about unknown speakers only) assigns a role to each turn with a
// confidence — here the wrong way round, as a model can — and the roles are
// marked inferred; the drafting prompt is told so. On the review page in
// headless Chromium the clinician swaps clinician and client for the whole
// session: every segment's speaker flips, the draft's citations still point
// at the same segments (same IDs, same words), and the swap is audited.
func TestBrowserSpeakerSwap(t *testing.T) {
	requireTool(t, "chromium")
	requireTool(t, "pocketsphinx_continuous")
	one := testenv.Concat(testenv.Silence(500),
		testenv.SpeechVoice(t, "rms", "how have you been sleeping since our last session"), testenv.Silence(1200),
		testenv.SpeechVoice(t, "slt", "i have been sleeping better but work makes me anxious"), testenv.Silence(1200),
		testenv.SpeechVoice(t, "rms", "we will meet again next week and review your plan"), testenv.Silence(800))

	e, fake := pipelineEnv(t, func(f *fakeopenai.Server) {
		// The model gets the turns the wrong way round (the first speaker is
		// taken for the client), with middling confidence.
		f.Roles = func(i int, _ fakeopenai.SegmentRef) (string, float64) {
			return []string{"client", "clinician"}[i%2], 0.55
		}
	})
	e.addUser("therapist@example.org", store.RoleClinician, false)
	ing := &pipeline.Ingester{Store: e.store, Blobs: e.blobs}
	id, err := ing.Ingest(e.ctx, bytes.NewReader(testenv.WAV(16000, one)), pipeline.IngestOptions{Template: "soap", Program: "mh", Speakers: "mono",
		ClientAlias: "client-s", Clinician: "therapist@example.org", ConsentAttestedBy: "therapist@example.org", Actor: "test"})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(3 * time.Minute)
	for {
		s, err := e.store.Session(e.ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if s.Status == store.StatusReady {
			break
		}
		if s.Status == store.StatusFailed || time.Now().After(deadline) {
			t.Fatalf("session %s: %s (%s: %s)", id, s.Status, s.FailedStage, s.FailedReason)
		}
		time.Sleep(100 * time.Millisecond)
	}
	before := transcriptOf(t, e, id)
	if len(before) < 2 {
		t.Fatalf("%d segments; the recording has three utterances of two voices", len(before))
	}
	for _, s := range before {
		if !s.Inferred() || s.SpeakerBy != transcript.SpeakerByModel || s.Confidence != 0.55 || (s.Speaker != "clinician" && s.Speaker != "client") {
			t.Fatalf("segment %s: speaker %q by %q confidence %v; want an inferred role", s.ID, s.Speaker, s.SpeakerBy, s.Confidence)
		}
	}
	rolesAsked, inferredTold := 0, false
	for _, c := range fake.Chats() {
		if c.SchemaName == fakeopenai.RolesSchemaName {
			rolesAsked++
		} else if strings.Contains(c.Body, "speaker roles were inferred by a model") {
			inferredTold = true
		}
	}
	if rolesAsked != 1 || !inferredTold {
		t.Fatalf("roles asked %d times (want 1); drafting prompt told roles are inferred: %v", rolesAsked, inferredTold)
	}
	if p := fake.Problems(); len(p) > 0 {
		t.Fatalf("the fake OpenAI API found problems: %v", p)
	}

	ctx, errs := chrome.Start(t, chromedp.WindowSize(1280, 900))
	step := func(what string, d time.Duration, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, d)
		defer cancel()
		if err := chromedp.Do(sctx, steps...); err != nil {
			t.Fatalf("%s: %v (console errors: %v)", what, err, errs())
		}
		if ce := errs(); len(ce) > 0 {
			t.Fatalf("%s: console errors: %v", what, ce)
		}
	}
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	// cited is what the page shows for each citation: the cited segment's
	// ID, speaker and words.
	cited := func() string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify(Array.from(document.querySelectorAll('[data-testid=citation]')).map(function(a){
			var s = document.getElementById('seg-' + a.getAttribute('data-seg'));
			return {id: a.getAttribute('data-seg'), speaker: s.getAttribute('data-speaker'), text: s.lastChild.textContent};
		}))`))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/")); err != nil {
		t.Fatalf("open the app: %v", err)
	}
	step("sign in", 20*time.Second,
		chromedp.WaitVisible(css(`[data-testid=signin-email]`)),
		chromedp.SendKeys(css(`[data-testid=signin-email]`), "therapist@example.org"),
		chromedp.SendKeys(css(`[data-testid=signin-password]`), testPassword),
		chromedp.Click(css(`[data-testid=signin-submit]`)),
		chromedp.WaitVisible(css(`form.logout`)))
	step("review", 15*time.Second,
		chromedp.Navigate(e.srv.URL+"/sessions/"+id+"/review"),
		chromedp.WaitVisible(css(`[data-testid=speakers-note]`)))
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid=speaker-inferred]').length`))
	if err != nil || n != len(before) {
		t.Fatalf("%d segments marked inferred on the page, want %d (%v)", n, len(before), err)
	}
	type citedSeg struct{ ID, Speaker, Text string }
	var was, now []citedSeg
	if err := json.Unmarshal([]byte(cited()), &was); err != nil || len(was) == 0 {
		t.Fatalf("citations before the swap: %v %v", was, err)
	}
	step("swap clinician and client", 20*time.Second,
		chromedp.Click(css(`[data-testid=speaker-fix] summary`)),
		chromedp.WaitVisible(css(`[data-testid=speaker-swap]`)),
		chromedp.Click(css(`[data-testid=speaker-swap]`)),
		chromedp.WaitVisible(css(`[data-testid=speaker-fixed]`)))
	if err := json.Unmarshal([]byte(cited()), &now); err != nil || len(now) != len(was) {
		t.Fatalf("citations after the swap: %d, want %d (%v)", len(now), len(was), err)
	}
	flip := map[string]string{"clinician": "client", "client": "clinician"}
	for i := range was {
		if now[i].ID != was[i].ID || now[i].Text != was[i].Text || now[i].Speaker != flip[was[i].Speaker] {
			t.Errorf("citation %d: was %+v, now %+v; want the same segment with the other speaker", i, was[i], now[i])
		}
	}
	after := transcriptOf(t, e, id)
	for i, s := range after {
		if s.ID != before[i].ID || s.Text != before[i].Text || s.Speaker != flip[before[i].Speaker] || s.SpeakerBy != transcript.SpeakerByClinician || s.Confidence != 0 {
			t.Errorf("segment %s after the swap: %+v (was %+v)", s.ID, s, before[i])
		}
	}
	if after[0].Speaker != "clinician" {
		t.Errorf("the first voice (the clinician's question) is %q after the fix", after[0].Speaker)
	}
	var swaps []audit.Entry
	if err := e.store.AuditEntries(e.ctx, 0, func(en audit.Entry) error {
		if en.Action == "transcript.speakers" {
			swaps = append(swaps, en)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(swaps) != 2 || swaps[0].Details["change"] != "assigned" || swaps[0].Details["by"] != transcript.SpeakerByModel ||
		swaps[1].Details["change"] != "swap" || swaps[1].Details["swapped"] != "clinician,client" || swaps[1].Details["segments"] != strconv.Itoa(len(before)) {
		t.Fatalf("speaker audit entries: %+v", swaps)
	}
}

// transcriptOf reads a session's redacted transcript as the review page does.
func transcriptOf(t *testing.T, e *env, id string) []transcript.Segment {
	t.Helper()
	b, err := e.blobs.Get(e.ctx, pipeline.RedactedBlobID(id))
	if err != nil {
		t.Fatal(err)
	}
	var segs []transcript.Segment
	if err := json.Unmarshal(b, &segs); err != nil {
		t.Fatal(err)
	}
	return segs
}
