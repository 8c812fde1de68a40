package pipeline

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/scribe-health/scribe/drafts"
	"github.com/scribe-health/scribe/internal/blob"
	"github.com/scribe-health/scribe/internal/retention"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/summarize"
	"github.com/scribe-health/scribe/transcribe"
)

// Deps are what the stage workers need. The constructors are for tests and
// benchmarks; nil means the real OpenAI-compatible clients.
type Deps struct {
	Store          *store.Store
	Blobs          blob.Store
	NewTranscriber func(store.Provider) (transcribe.Transcriber, error)
	NewLLM         func(store.Provider) (summarize.LLM, error)
	Now            func() time.Time
	DraftStarted   func(sessionID string)
	// TranscribeTimeout bounds a transcription job (default 5 minutes).
	TranscribeTimeout time.Duration
}

// Workers registers every stage's worker.
func Workers(d Deps) *river.Workers {
	w := river.NewWorkers()
	river.AddWorker(w, &transcribe.Worker{Store: d.Store, Blobs: d.Blobs, New: d.NewTranscriber, Now: d.Now, JobTimeout: d.TranscribeTimeout})
	river.AddWorker(w, &RedactWorker{Store: d.Store, Blobs: d.Blobs})
	river.AddWorker(w, &retention.Worker{Store: d.Store, Blobs: d.Blobs})
	river.AddWorker(w, &retention.SweepWorker{Store: d.Store, Blobs: d.Blobs, Now: d.Now})
	river.AddWorker(w, &drafts.Worker{Store: d.Store, Blobs: d.Blobs, NewLLM: d.NewLLM, Now: d.Now, Started: d.DraftStarted})
	river.AddWorker(w, &ExpireWorker{Store: d.Store, Now: d.Now})
	return w
}

// Progress is a session's pipeline position.
type Progress struct {
	Session    store.Session
	ChunksDone int
	Chunks     int
}

// Wait polls until the session's draft is ready or it failed, calling
// progress whenever something changed. It returns ErrSessionFailed (wrapped
// with the stage and reason) on failure.
func Wait(ctx context.Context, s *store.Store, sessionID string, progress func(Progress)) error {
	var last Progress
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		sess, err := s.Session(ctx, sessionID)
		if err != nil {
			return err
		}
		chunks, err := s.Chunks(ctx, sessionID)
		if err != nil {
			return err
		}
		p := Progress{Session: sess, Chunks: len(chunks)}
		for _, c := range chunks {
			if c.State == "done" {
				p.ChunksDone++
			}
		}
		if progress != nil && (p.Session.Status != last.Session.Status || p.ChunksDone != last.ChunksDone) {
			progress(p)
		}
		last = p
		switch sess.Status {
		case store.StatusReady:
			return nil
		case store.StatusFailed:
			return fmt.Errorf("%w at stage %s: %s", ErrSessionFailed, sess.FailedStage, sess.FailedReason)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}
