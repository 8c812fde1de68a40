package pipeline_test

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/scribe-health/scribe/capture"
	"github.com/scribe-health/scribe/internal/fakeopenai"
	"github.com/scribe-health/scribe/internal/pipeline"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/testenv"
)

// BenchmarkHangUpToDraftWithModelLatency (issue 18, item 4) times what a
// clinician waits after hang-up for the whole draft, with the fake model
// as slow as a typical hosted one (fakeopenai.TypicalHosted: transcription
// 0.05 s per audio second, 8 s per chat call, 50 tokens per second), for
// 10-, 50- and 90-minute two-speaker calls recorded in the relay's 30 s
// chunks. During the call every chunk but the last is transcribed (at no
// latency, to keep the benchmark short: only what happens after hang-up is
// timed); at hang-up the latency is switched on, the last chunks are
// stored and the call ends. It reports hang-up → draft complete (the
// session ready), the last chunks' transcription, and the chat calls made
// after hang-up. Run with -benchtime 1x: one iteration is minutes.
func BenchmarkHangUpToDraftWithModelLatency(b *testing.B) {
	if testing.Short() {
		b.Skip("minutes per iteration")
	}
	const chunkSamples = capture.DefaultChunkMax
	pcm := benchTone(chunkSamples)
	for _, be := range testenv.Backends {
		for _, minutes := range []int{10, 50, 90} {
			b.Run(fmt.Sprintf("%s/%dmin", be.Name, minutes), func(b *testing.B) {
				if be.Name == "postgres" && os.Getenv("SCRIBE_TEST_DATABASE_URL") == "" {
					b.Skip("SCRIBE_TEST_DATABASE_URL is unset: no PostgreSQL server to benchmark")
				}
				perSpeaker := minutes * 2 // 30 s chunks
				h := newHarness(b, be)
				var turn int
				var tmu sync.Mutex
				h.fake.Transcribe = func(pcm []int) ([]fakeopenai.Segment, error) {
					tmu.Lock()
					turn++
					n := turn
					tmu.Unlock()
					secs := float64(len(pcm)) / capture.SampleRate
					return []fakeopenai.Segment{
						{Start: 1, End: 6, Text: fmt.Sprintf("We talked about sleep and the morning walks, part %d.", n)},
						{Start: secs / 2, End: secs/2 + 5, Text: "The breathing exercise helped before work on most days."},
						{Start: secs - 7, End: secs - 1, Text: "Next week we will look at the goals again and the homework."},
					}, nil
				}
				clock := &providerClock{}
				deps := timedDeps(h, clock)
				if err := h.store.StartWorkers(h.ctx, pipeline.Workers(deps), store.WorkerOptions{}); err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() {
					ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
					defer cancel()
					h.store.StopWorkers(ctx)
				})
				cb := &pipeline.CallBackend{Store: h.store, Blobs: h.blobs, PurgeOnRevoke: true}
				var total, lastTranscribe time.Duration
				var chats int
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					b.StopTimer()
					h.fake.SetLatency(fakeopenai.Latency{})
					id := consentedCall(b, h, cb, fmt.Sprintf("bench-latency-%d", i), benchSpeakers[1])
					storeChunks := func(idx int) { storeCallChunks(b, h, cb, id, idx, chunkSamples, pcm) }
					for idx := 0; idx < perSpeaker-1; idx++ {
						storeChunks(idx)
					}
					waitChunksDone(b, h, id, 2*(perSpeaker-1))
					h.fake.SetLatency(fakeopenai.TypicalHosted)
					chatsBefore := h.fake.Requests(fakeopenai.ChatCompletions)
					b.StartTimer()
					hangUp := time.Now()
					storeChunks(perSpeaker - 1)
					if err := cb.CallEnded(h.ctx, id, "ended by clinician"); err != nil {
						b.Fatal(err)
					}
					ctx, cancel := context.WithTimeout(h.ctx, 20*time.Minute)
					err := pipeline.Wait(ctx, h.store, id, nil)
					cancel()
					b.StopTimer()
					if err != nil {
						b.Fatal(err)
					}
					total += time.Since(hangUp)
					lastTranscribe += clock.busySince(hangUp)
					chats += h.fake.Requests(fakeopenai.ChatCompletions) - chatsBefore
					b.StartTimer()
				}
				n := float64(b.N)
				b.ReportMetric(total.Seconds()/n, "hangup-to-draft-s")
				b.ReportMetric(lastTranscribe.Seconds()/n, "last-chunk-transcribe-s")
				b.ReportMetric(float64(chats)/n, "chat-calls-after-hangup")
				h.fake.SetLatency(fakeopenai.Latency{})
				h.noFakeProblems()
			})
		}
	}
}
