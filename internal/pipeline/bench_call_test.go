package pipeline_test

import (
	"context"
	"fmt"
	"math"
	"os"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/scribe-health/scribe/capture"
	"github.com/scribe-health/scribe/internal/fakeopenai"
	"github.com/scribe-health/scribe/internal/pipeline"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/testenv"
	"github.com/scribe-health/scribe/transcribe"
)

// providerClock times every call to the transcription provider (the HTTP
// round trip to the fake: upload, WAV decoding, answer).
type providerClock struct {
	mu    sync.Mutex
	calls [][2]time.Time
}

type timedTranscriber struct {
	next  transcribe.Transcriber
	clock *providerClock
}

func (t timedTranscriber) Transcribe(ctx context.Context, wav []byte) ([]transcribe.Piece, error) {
	start := time.Now()
	p, err := t.next.Transcribe(ctx, wav)
	t.clock.mu.Lock()
	t.clock.calls = append(t.clock.calls, [2]time.Time{start, time.Now()})
	t.clock.mu.Unlock()
	return p, err
}

// busySince is how long, from since on, at least one provider call that
// started at or after since was running (the union of their intervals).
func (c *providerClock) busySince(since time.Time) time.Duration {
	c.mu.Lock()
	var iv [][2]time.Time
	for _, call := range c.calls {
		if !call[0].Before(since) {
			iv = append(iv, call)
		}
	}
	c.mu.Unlock()
	sort.Slice(iv, func(i, j int) bool { return iv[i][0].Before(iv[j][0]) })
	var total time.Duration
	var end time.Time
	for _, v := range iv {
		start := v[0]
		if start.Before(end) {
			start = end
		}
		if v[1].After(start) {
			total += v[1].Sub(start)
			end = v[1]
		}
	}
	return total
}

// consentedCall creates a scheduled call session with the client's AI-scribe
// consent on file and returns its ID (prefix and a random suffix).
func consentedCall(b *testing.B, h *harness, cb *pipeline.CallBackend, prefix string, client capture.Participant) string {
	b.Helper()
	id := prefix + "-" + testenv.RandomHex(4)
	if err := h.store.InTx(h.ctx, func(tx *store.Tx) error {
		return tx.CreateSession(h.ctx, &store.Session{ID: id, Source: "call", Status: store.StatusScheduled, Template: "dap",
			Modality: "general", Program: "mh", ClientAlias: "client-7Q", Clinician: "therapist@example.org"})
	}); err != nil {
		b.Fatal(err)
	}
	if err := cb.RecordConsent(h.ctx, id, client, capture.ConsentDecision{Scope: capture.ScopeAIScribe, Granted: true,
		Method: capture.MethodElectronic, TextVersion: pipeline.ConsentTextVersion}); err != nil {
		b.Fatal(err)
	}
	return id
}

// benchSpeakers are the two participants of a simulated call.
var benchSpeakers = []capture.Participant{
	{ID: "p-clin", Role: capture.RoleClinician, Label: "clinician"},
	{ID: "p-client", Role: capture.RoleClient, Label: "client"},
}

// benchTone is a chunk of synthetic audio of the given number of samples:
// a quiet room with a 220 Hz tone in every other second.
func benchTone(samples int) []int16 {
	pcm := testenv.Silence(samples / 16)
	for i := range pcm {
		if (i/capture.SampleRate)%2 == 0 {
			pcm[i] += int16(3000 * math.Sin(2*math.Pi*220*float64(i)/capture.SampleRate))
		}
	}
	return pcm
}

// timedDeps are the harness's pipeline deps with every transcription
// provider call timed by clock.
func timedDeps(h *harness, clock *providerClock) pipeline.Deps {
	deps := h.deps()
	deps.NewTranscriber = func(p store.Provider) (transcribe.Transcriber, error) {
		t, err := transcribe.NewOpenAI(p, deps.ProviderPolicy)
		if err != nil {
			return nil, err
		}
		return timedTranscriber{next: t, clock: clock}, nil
	}
	return deps
}

// storeCallChunks hands the relay's chunk idx of every speaker to the
// backend, as the recorder does during a call.
func storeCallChunks(b *testing.B, h *harness, cb *pipeline.CallBackend, id string, idx, chunkSamples int, pcm []int16) {
	b.Helper()
	for _, sp := range benchSpeakers {
		c := capture.Chunk{Index: idx, StartSample: int64(idx * chunkSamples), EndSample: int64((idx + 1) * chunkSamples), Samples: pcm}
		if err := cb.StoreChunk(h.ctx, id, sp.Label, c); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHangUpToDraft simulates a 50-minute two-speaker call on the real
// store: the relay hands CallBackend.StoreChunk 2-minute chunks (25 per
// speaker), transcription (the fake provider answering at once with a few
// segments) keeps up during the call, and all but each speaker's last chunk
// are transcribed before hang-up. It times hang-up (the last chunks stored,
// then CallEnded) to the draft stage starting, and reports that time less
// the provider time of the last chunks' transcription: what Scribe itself
// adds. Goal: overhead-ms under 1000.
func BenchmarkHangUpToDraft(b *testing.B) {
	const (
		chunkSamples = 2 * 60 * capture.SampleRate
		perSpeaker   = 25
	)
	pcm := benchTone(chunkSamples)
	for _, be := range testenv.Backends {
		b.Run(be.Name, func(b *testing.B) {
			if be.Name == "postgres" && os.Getenv("SCRIBE_TEST_DATABASE_URL") == "" {
				b.Skip("SCRIBE_TEST_DATABASE_URL is unset: no PostgreSQL server to benchmark")
			}
			h := newHarness(b, be)
			h.fake.Transcribe = func(pcm []int) ([]fakeopenai.Segment, error) {
				secs := float64(len(pcm)) / capture.SampleRate
				return []fakeopenai.Segment{
					{Start: 1, End: 4, Text: "We talked about sleep and the morning walks."},
					{Start: secs / 2, End: secs/2 + 3, Text: "The breathing exercise helped before work."},
					{Start: secs - 4, End: secs - 1, Text: "Next week we will look at the goals again."},
				}, nil
			}
			clock := &providerClock{}
			var mu sync.Mutex
			draftStarted := map[string]chan time.Time{}
			deps := timedDeps(h, clock)
			deps.DraftStarted = func(id string) {
				mu.Lock()
				ch := draftStarted[id]
				mu.Unlock()
				if ch != nil {
					select {
					case ch <- time.Now():
					default:
					}
				}
			}
			if err := h.store.StartWorkers(h.ctx, pipeline.Workers(deps), store.WorkerOptions{}); err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				h.store.StopWorkers(ctx)
			})
			cb := &pipeline.CallBackend{Store: h.store, Blobs: h.blobs, PurgeOnRevoke: true}

			var total, overhead, lastTranscribe time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				id := consentedCall(b, h, cb, fmt.Sprintf("bench-call-%d", i), benchSpeakers[1])
				started := make(chan time.Time, 1)
				mu.Lock()
				draftStarted[id] = started
				mu.Unlock()
				storeChunks := func(idx int) { storeCallChunks(b, h, cb, id, idx, chunkSamples, pcm) }
				// The call: every chunk but the last is transcribed while it runs.
				for idx := 0; idx < perSpeaker-1; idx++ {
					storeChunks(idx)
				}
				waitChunksDone(b, h, id, 2*(perSpeaker-1))

				b.StartTimer()
				hangUp := time.Now()
				storeChunks(perSpeaker - 1)
				if err := cb.CallEnded(h.ctx, id, "ended by clinician"); err != nil {
					b.Fatal(err)
				}
				var at time.Time
				select {
				case at = <-started:
				case <-time.After(2 * time.Minute):
					b.Fatalf("draft stage did not start within 2 minutes of hang-up")
				}
				b.StopTimer()
				elapsed := at.Sub(hangUp)
				tr := clock.busySince(hangUp)
				total += elapsed
				lastTranscribe += tr
				overhead += elapsed - tr
				if err := h.wait(id); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
			n := float64(b.N)
			b.ReportMetric(float64(total.Milliseconds())/n, "hangup-to-draft-ms")
			b.ReportMetric(float64(lastTranscribe.Milliseconds())/n, "last-chunk-transcribe-ms")
			b.ReportMetric(float64(overhead.Milliseconds())/n, "overhead-ms")
			h.noFakeProblems()
		})
	}
}

// waitChunksDone polls until n of the session's chunks are transcribed.
func waitChunksDone(b *testing.B, h *harness, id string, n int) {
	b.Helper()
	deadline := time.Now().Add(5 * time.Minute)
	for {
		cs, err := h.store.Chunks(h.ctx, id)
		if err != nil {
			b.Fatal(err)
		}
		done := 0
		for _, c := range cs {
			if c.State == "done" {
				done++
			}
		}
		if done >= n {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d chunks transcribed after 5 minutes", done, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
