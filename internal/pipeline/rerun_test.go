package pipeline_test

import (
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/scribe-health/scribe/internal/jobs"
	"github.com/scribe-health/scribe/internal/pipeline"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/testenv"
)

// TestRedactRunAgainAfterItsCommit: a process killed after the redact job's
// transaction committed but before River recorded the job completed gets
// the job run again (taken back from the dead process). That second run
// must leave the finished session alone.
func TestRedactRunAgainAfterItsCommit(t *testing.T) {
	wav := testenv.WAV(16000, testenv.Speech(t, "Tell me about your week at home"))
	forEachBackend(t, func(t *testing.T, b testenv.Backend) {
		h := newHarness(t, b)
		h.startWorkers(store.WorkerOptions{})
		id := h.ingest(wav, pipeline.IngestOptions{}, time.Minute)
		if err := h.wait(id); err != nil {
			t.Fatal(err)
		}
		chats := len(h.fake.Chats())
		w := &pipeline.RedactWorker{Store: h.store, Blobs: h.blobs}
		job := &river.Job[jobs.RedactArgs]{JobRow: &rivertype.JobRow{ID: 1 << 40, Kind: jobs.StageRedact, Attempt: 2}, Args: jobs.RedactArgs{SessionID: id}}
		if err := w.Work(h.ctx, job); err != nil {
			t.Fatal(err)
		}
		s, err := h.store.Session(h.ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if s.Status != store.StatusReady {
			t.Errorf("the redact job run again moved the ready session to %s", s.Status)
		}
		if err := h.wait(id); err != nil {
			t.Fatal(err)
		}
		if n := len(h.fake.Chats()); n != chats {
			t.Errorf("the note was drafted again: %d more model call(s) with the transcript", n-chats)
		}
	})
}
