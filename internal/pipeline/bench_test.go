package pipeline_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/scribe-health/scribe/internal/audio"
	"github.com/scribe-health/scribe/internal/jobs"
	"github.com/scribe-health/scribe/internal/pipeline"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/testenv"
	"github.com/scribe-health/scribe/summarize"
	"github.com/scribe-health/scribe/transcribe"
)

// BenchmarkIngest60Min48kStereo: decode, resample, split, chunk, encrypt and
// store a 60-minute 48 kHz stereo call recording. Goal: ≥ 200× real time
// on one core.
func BenchmarkIngest60Min48kStereo(b *testing.B) {
	path := filepath.Join(b.TempDir(), "call.wav")
	testenv.WriteCallWAV(b, path, 3600)
	h := newHarness(b, testenv.Backends[0])
	in := &pipeline.Ingester{Store: h.store, Blobs: h.blobs}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := in.Ingest(context.Background(), f, pipeline.IngestOptions{Speakers: "stereo"}); err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
	b.ReportMetric(3600*float64(b.N)/b.Elapsed().Seconds(), "x-realtime")
}

// instantTranscriber answers every chunk at once with segments spread over
// the chunk, and records when the last answer was given.
type instantTranscriber struct {
	mu   sync.Mutex
	last time.Time
}

func (t *instantTranscriber) Transcribe(ctx context.Context, wav []byte) ([]transcribe.Piece, error) {
	var out []transcribe.Piece
	for s := int64(0); s < 600_000; s += 9_000 { // ~67 segments per 10-minute chunk
		out = append(out, transcribe.Piece{StartMS: s, EndMS: s + 8_000, Text: fmt.Sprintf("I have been practising the breathing exercise %d times this week and it helps.", s/9000)})
	}
	t.mu.Lock()
	t.last = time.Now()
	t.mu.Unlock()
	return out, nil
}

type instantLLM struct{}

func (instantLLM) Chat(ctx context.Context, req summarize.ChatRequest) (summarize.ChatResponse, error) {
	// The benchmark ends at the draft stage's start; fail at once (and for
	// good) so no worker slot is held.
	return summarize.ChatResponse{}, fmt.Errorf("%w: benchmark stops at the draft stage", summarize.ErrBadInput)
}

// BenchmarkPipelineOverhead60Min: a 60-minute two-speaker session (12
// ten-minute chunks) with a transcriber that answers instantly; reports the
// time from the last chunk's transcription to the draft stage starting —
// the chain's own overhead (commit, enqueue, redaction of the merged
// transcript, draft job pickup). Goal: < 200 ms on SQLite and PostgreSQL.
func BenchmarkPipelineOverhead60Min(b *testing.B) {
	for _, be := range testenv.Backends {
		b.Run(be.Name, func(b *testing.B) {
			h := newHarness(b, be)
			tr := &instantTranscriber{}
			started := make(chan time.Time, 16)
			deps := h.deps()
			deps.NewTranscriber = func(store.Provider) (transcribe.Transcriber, error) { return tr, nil }
			deps.NewLLM = func(store.Provider) (summarize.LLM, error) { return instantLLM{}, nil }
			deps.DraftStarted = func(string) { started <- time.Now() }
			if err := h.store.StartWorkers(h.ctx, pipeline.Workers(deps), store.WorkerOptions{Concurrency: 4}); err != nil {
				b.Fatal(err)
			}
			defer func() {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				h.store.KillWorkers(ctx)
			}()
			chunkWAV := audio.EncodeWAV(make([]int16, 16000*600), 16000)
			var total time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				id := uuid.NewString()
				var ids []int64
				for _, sp := range []string{pipeline.SpeakerClinician, pipeline.SpeakerClient} {
					for k := 0; k < 6; k++ {
						blobID := pipeline.AudioBlobID(id, sp, k)
						if err := h.blobs.Put(h.ctx, blobID, chunkWAV); err != nil {
							b.Fatal(err)
						}
						_ = blobID
					}
				}
				err := h.store.InTx(h.ctx, func(tx *store.Tx) error {
					if err := tx.CreateSession(h.ctx, &store.Session{ID: id, Source: "ingest", Status: store.StatusTranscribing, Template: "soap", Modality: "general", Program: "mh", CaptureEnded: true, DurationMS: 3_600_000}); err != nil {
						return err
					}
					for _, sp := range []string{pipeline.SpeakerClinician, pipeline.SpeakerClient} {
						for k := 0; k < 6; k++ {
							cid, err := tx.AddChunk(h.ctx, &store.Chunk{SessionID: id, Speaker: sp, Index: k, StartMS: int64(k) * 600_000, EndMS: int64(k+1) * 600_000, AudioBlob: pipeline.AudioBlobID(id, sp, k)})
							if err != nil {
								return err
							}
							ids = append(ids, cid)
						}
					}
					for _, cid := range ids {
						if err := tx.Enqueue(h.ctx, jobs.TranscribeChunkArgs{SessionID: id, ChunkID: cid}, nil); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				var at time.Time
				select {
				case at = <-started:
				case <-time.After(2 * time.Minute):
					b.Fatal("the draft stage never started")
				}
				b.StopTimer()
				tr.mu.Lock()
				total += at.Sub(tr.last)
				tr.mu.Unlock()
				b.StartTimer()
			}
			b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms-last-transcript-to-draft")
		})
	}
}
