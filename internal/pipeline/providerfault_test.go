package pipeline_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/scribe-health/scribe/internal/fakeopenai"
	"github.com/scribe-health/scribe/internal/jobs"
	"github.com/scribe-health/scribe/internal/modelcall"
	"github.com/scribe-health/scribe/internal/pipeline"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/testenv"
)

// Provider faults, injected by the fake on one endpoint at a time, through
// the whole pipeline on both backends: what is transient is retried within
// the call and the session reaches ready; what an admin must fix fails the
// session at once with words they can act on; a provider that stays down
// fails the session with its last answer, and Retry works once it is back.

// recordedWaits stands in for the policy's sleep: it records each wait the
// policy asks for and returns at once, so Retry-After is checked without
// waiting for it.
type recordedWaits struct {
	mu sync.Mutex
	d  []time.Duration
}

func (w *recordedWaits) sleep(ctx context.Context, d time.Duration) error {
	w.mu.Lock()
	w.d = append(w.d, d)
	w.mu.Unlock()
	return ctx.Err()
}

// take returns the waits recorded since the last take.
func (w *recordedWaits) take() []time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	d := w.d
	w.d = nil
	return d
}

const faultTries = 3 // tries per provider call in these tests

// faultHarness is a harness whose workers call providers under a test
// policy: three tries, waits recorded, and an attempt budget that a slow
// fault overruns but an ordinary answer on a loaded machine does not. The
// fake transcribes with fixed words so that no test waits on a recogniser.
func faultHarness(t *testing.T, b testenv.Backend) (*harness, *recordedWaits) {
	t.Helper()
	h := newHarness(t, b)
	waits := &recordedWaits{}
	h.policy = modelcall.Policy{MaxAttempts: faultTries, AttemptTimeout: 3 * time.Second, BaseDelay: 10 * time.Millisecond, MaxDelay: 40 * time.Millisecond, Sleep: waits.sleep}
	h.fake.Transcribe = func(pcm []int) ([]fakeopenai.Segment, error) {
		return []fakeopenai.Segment{
			{Start: 0.5, End: 2.5, Text: "We talked about sleep and the morning walks."},
			{Start: 3, End: 5, Text: "The breathing exercise helped before work."},
		}, nil
	}
	h.startWorkers(store.WorkerOptions{})
	return h, waits
}

// faultRecording is six seconds of room tone: one chunk, one transcription
// request, one chat request per session.
var faultRecording = testenv.WAV(16000, testenv.Silence(6000))

// endpointStage is the stage that calls each endpoint, and the provider the
// harness registers for it.
var endpointStage = map[string]struct{ stage, use, provider, model string }{
	fakeopenai.Transcriptions:  {jobs.StageTranscribe, "transcription", "local-whisper", whisperModel},
	fakeopenai.ChatCompletions: {jobs.StageDraft, "drafting", "local-llm", chatModel},
}

func (h *harness) stageRow(id, stage string) store.Stage {
	h.t.Helper()
	stages, err := h.store.Stages(h.ctx, id)
	if err != nil {
		h.t.Fatal(err)
	}
	for _, s := range stages {
		if s.Stage == stage {
			return s
		}
	}
	h.t.Fatalf("session has no %s stage: %+v", stage, stages)
	return store.Stage{}
}

// retry presses Retry as an admin would: once is enough, whatever jobs of
// the failed run River still holds.
func (h *harness) retry(id string) {
	h.t.Helper()
	if _, err := pipeline.Retry(h.ctx, h.store, id, "admin@example.org"); err != nil {
		h.t.Fatalf("retry: %v", err)
	}
}

func (h *harness) failedReason(id string) (stage, reason string) {
	h.t.Helper()
	sess, err := h.store.Session(h.ctx, id)
	if err != nil {
		h.t.Fatal(err)
	}
	if sess.Status != store.StatusFailed {
		h.t.Fatalf("session is %s, want failed", sess.Status)
	}
	return sess.FailedStage, sess.FailedReason
}

// TestProviderFaultsAreRetried: one transient fault on either endpoint is
// retried within the call (River's attempt is not used up) and the session
// reaches ready after exactly two requests to that endpoint.
func TestProviderFaultsAreRetried(t *testing.T) {
	faults := []struct {
		name  string
		fault fakeopenai.Fault
		// wait is the wait the policy must ask for; 0 means a jittered
		// backoff from the policy's base delay.
		wait time.Duration
	}{
		{"429 with Retry-After", fakeopenai.Fault{Status: 429, RetryAfter: "7"}, 7 * time.Second},
		{"500", fakeopenai.Fault{Status: 500}, 0},
		{"503", fakeopenai.Fault{Status: 503}, 0},
		{"slow answer", fakeopenai.Fault{Delay: time.Hour}, 0}, // ends when the attempt budget does
		{"dropped connection", fakeopenai.Fault{Drop: true}, 0},
	}
	forEachBackend(t, func(t *testing.T, b testenv.Backend) {
		t.Parallel()
		h, waits := faultHarness(t, b)
		for _, endpoint := range []string{fakeopenai.Transcriptions, fakeopenai.ChatCompletions} {
			st := endpointStage[endpoint]
			for _, f := range faults {
				t.Run(endpoint+"/"+f.name, func(t *testing.T) {
					h.t = t
					before := h.fake.Requests(endpoint)
					waits.take()
					h.fake.Inject(endpoint, f.fault)
					id := h.ingest(faultRecording, pipeline.IngestOptions{}, time.Minute)
					if err := h.wait(id); err != nil {
						t.Fatalf("session did not recover from one %s: %v", f.name, err)
					}
					want := 2
					if endpoint == fakeopenai.ChatCompletions {
						want = 3 // this one-channel recording's speaker roles are asked first
					}
					if n := h.fake.Requests(endpoint) - before; n != want {
						t.Fatalf("%d requests to %s, want %d (the fault, then the answers)", n, endpoint, want)
					}
					if a := h.stageRow(id, st.stage).Attempts; a != 1 {
						t.Fatalf("%s stage took %d job attempts; the retry belongs inside the call", st.stage, a)
					}
					got := waits.take()
					if len(got) != 1 {
						t.Fatalf("waits %v, want one", got)
					}
					if f.wait != 0 && got[0] != f.wait {
						t.Fatalf("waited %s, want the %s the provider asked for", got[0], f.wait)
					}
					if f.wait == 0 && (got[0] < h.policy.BaseDelay/2 || got[0] >= h.policy.BaseDelay) {
						t.Fatalf("waited %s, want a jittered backoff in [%s, %s)", got[0], h.policy.BaseDelay/2, h.policy.BaseDelay)
					}
					h.noFakeProblems()
				})
			}
		}
		h.t = t
		h.auditIntact()
	})
}

// TestProviderRefusalFailsAtOnce: a 400, 401, 403 or 404 fails the session
// on the first request, with a reason that says what an admin must fix.
func TestProviderRefusalFailsAtOnce(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b testenv.Backend) {
		t.Parallel()
		h, waits := faultHarness(t, b)
		for _, endpoint := range []string{fakeopenai.Transcriptions, fakeopenai.ChatCompletions} {
			st := endpointStage[endpoint]
			who := fmt.Sprintf("the %s provider '%s'", st.use, st.provider)
			refusals := []struct {
				status int
				reason string
			}{
				{400, who + " rejected the request (400 Bad Request); ask an admin to check the provider's settings"},
				{401, who + " refused the API key (401 Unauthorized); ask an admin to check the provider's API key"},
				{403, who + " refused access (403 Forbidden); ask an admin to check that the provider's API key may use model '" + st.model + "'"},
				{404, who + " did not find model '" + st.model + "' (404 Not Found); ask an admin to check the provider's model name and base URL"},
			}
			for _, r := range refusals {
				t.Run(fmt.Sprintf("%s/%d", endpoint, r.status), func(t *testing.T) {
					h.t = t
					before := h.fake.Requests(endpoint)
					waits.take()
					h.fake.Inject(endpoint, fakeopenai.Fault{Status: r.status})
					requests := 1
					if endpoint == fakeopenai.ChatCompletions && r.status == 400 {
						// Drafting answers a 400 to a json_schema request with
						// one json_object request (servers that lack
						// json_schema say 400); that one is refused too.
						h.fake.Inject(endpoint, fakeopenai.Fault{Status: r.status})
						requests = 2
					}
					id := h.ingest(faultRecording, pipeline.IngestOptions{}, time.Minute)
					if err := h.wait(id); !errors.Is(err, pipeline.ErrSessionFailed) {
						t.Fatalf("want the session failed, got %v", err)
					}
					stage, reason := h.failedReason(id)
					if stage != st.stage || reason != r.reason {
						t.Fatalf("failed at %s with\n%q\nwant %s with\n%q", stage, reason, st.stage, r.reason)
					}
					if n := h.fake.Requests(endpoint) - before; n != requests {
						t.Fatalf("%d requests to %s, want exactly %d", n, endpoint, requests)
					}
					if row := h.stageRow(id, st.stage); row.Attempts != 1 || row.State != store.StateFailed {
						t.Fatalf("stage %+v: want failed on its first attempt", row)
					}
					if w := waits.take(); len(w) != 0 {
						t.Fatalf("waited %v before failing", w)
					}
					h.noFakeProblems()
				})
			}
		}
		h.t = t
		h.auditIntact()
	})
}

// TestProviderStaysDown: a provider answering 503 to every request fails
// the session with that reason once River's attempts run out, having made
// the policy's tries on each; once the provider is back, Retry reaches ready.
func TestProviderStaysDown(t *testing.T) {
	for _, b := range testenv.Backends {
		for _, endpoint := range []string{fakeopenai.Transcriptions, fakeopenai.ChatCompletions} {
			t.Run(b.Name+"/"+endpoint, func(t *testing.T) {
				t.Parallel()
				st := endpointStage[endpoint]
				h, _ := faultHarness(t, b)
				h.fake.Down(endpoint, fakeopenai.Fault{Status: 503})
				id := h.ingest(faultRecording, pipeline.IngestOptions{}, time.Minute)
				if err := h.wait(id); !errors.Is(err, pipeline.ErrSessionFailed) {
					t.Fatalf("want the session failed, got %v", err)
				}
				row := h.stageRow(id, st.stage)
				stage, reason := h.failedReason(id)
				want := fmt.Sprintf("the %s provider '%s' kept answering 503 Service Unavailable (gave up after %d attempts)", st.use, st.provider, row.Attempts)
				if stage != st.stage || reason != want {
					t.Fatalf("failed at %s with\n%q\nwant %s with\n%q", stage, reason, st.stage, want)
				}
				if row.Attempts < 2 {
					t.Fatalf("the stage gave up after %d job attempts; a transient failure goes back to River", row.Attempts)
				}
				if n := h.fake.Requests(endpoint); n != row.Attempts*faultTries {
					t.Fatalf("%d requests for %d job attempts, want %d tries each", n, row.Attempts, faultTries)
				}

				h.fake.Heal(endpoint)
				h.retry(id)
				if err := h.wait(id); err != nil {
					t.Fatalf("retry after the provider came back: %v", err)
				}
				h.noFakeProblems()
				h.auditIntact()
			})
		}
	}
}
