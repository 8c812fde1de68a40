package pipeline

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/scribe-health/scribe/drafts"
	"github.com/scribe-health/scribe/internal/blob"
	"github.com/scribe-health/scribe/internal/modelcall"
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
	// ProviderPolicy is how transcription and drafting calls to a model
	// provider retry (zero: modelcall's defaults).
	ProviderPolicy modelcall.Policy
}

// Workers registers every stage's worker.
func Workers(d Deps) *river.Workers {
	w := river.NewWorkers()
	river.AddWorker(w, &transcribe.Worker{Store: d.Store, Blobs: d.Blobs, New: d.NewTranscriber, Policy: d.ProviderPolicy, Now: d.Now, JobTimeout: d.TranscribeTimeout})
	river.AddWorker(w, &RedactWorker{Store: d.Store, Blobs: d.Blobs, Policy: d.ProviderPolicy})
	river.AddWorker(w, &retention.Worker{Store: d.Store, Blobs: d.Blobs})
	river.AddWorker(w, &retention.SweepWorker{Store: d.Store, Blobs: d.Blobs, Now: d.Now})
	river.AddWorker(w, &drafts.Worker{Store: d.Store, Blobs: d.Blobs, NewLLM: d.NewLLM, Policy: d.ProviderPolicy, Now: d.Now, Started: d.DraftStarted})
	river.AddWorker(w, &Reconciler{Store: d.Store, Leases: leases(d)})
	river.AddWorker(w, &ExpireWorker{Store: d.Store, Blobs: d.Blobs, Now: d.Now})
	return w
}

// Start starts this process's job workers with what crash recovery needs
// (docs/reliability.md):
//
//   - the stage workers and the reconciler (Workers);
//   - the reconciler's schedule, run by whichever process River elects
//     leader (opt.Periodic gains ReconcilePeriodic);
//   - the store's heartbeat, which takes back within seconds the running
//     jobs of a worker process that stopped (store.StartWorkers);
//   - River's own rescuer as a long safety net: unless opt says otherwise,
//     a job running longer than the longest lease plus a grace period.
func Start(ctx context.Context, d Deps, opt store.WorkerOptions) error {
	if opt.RescueAfter == 0 {
		for _, l := range leases(d) {
			opt.RescueAfter = max(opt.RescueAfter, l+leaseGrace)
		}
	}
	opt.Periodic = append(opt.Periodic, ReconcilePeriodic())
	return d.Store.StartWorkers(ctx, Workers(d), opt)
}

// Progress is a session's pipeline position.
type Progress struct {
	Session    store.Session
	ChunksDone int
	Chunks     int
}

// Wait polls until the session's draft is ready or it failed, calling
// progress whenever something changed; it rides out a database restart. It returns ErrSessionFailed (wrapped
// with the stage and reason) on failure.
func Wait(ctx context.Context, s *store.Store, sessionID string, progress func(Progress)) error {
	var last Progress
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		sess, err := s.Session(ctx, sessionID)
		var chunks []store.Chunk
		if err == nil {
			chunks, err = s.Chunks(ctx, sessionID)
		}
		if store.IsUnavailable(err) {
			// The database is restarting or a connection was cut: the
			// session goes on; so does waiting for it.
			select {
			case <-ctx.Done():
				return fmt.Errorf("%w (the database was unreachable: %v)", ctx.Err(), err)
			case <-tick.C:
				continue
			}
		}
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
