package web

import (
	"testing"

	"github.com/scribe-health/scribe/internal/jobs"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/testenv"
)

// A failed session's status line names the stage in words and carries the
// reason as the stage wrote it (here, a provider that stayed down).
func TestFailedSessionLabelReadsWell(t *testing.T) {
	for _, b := range testenv.Backends {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b.URL(t), nil)
			sess := e.seedSession("c1@example.org", "mh", store.StatusTranscribing)
			reason := "the transcription provider 'local-whisper' kept answering 503 Service Unavailable (gave up after 5 attempts)"
			if err := e.store.InTx(e.ctx, func(tx *store.Tx) error { return tx.FailSession(e.ctx, sess.ID, jobs.StageTranscribe, reason) }); err != nil {
				t.Fatal(err)
			}
			sess, err := e.store.Session(e.ctx, sess.ID)
			if err != nil {
				t.Fatal(err)
			}
			p, err := e.web.progressOf(e.ctx, sess, false)
			if err != nil {
				t.Fatal(err)
			}
			if want := "Transcription failed: " + reason; p.Label != want || !p.CanRetry {
				t.Fatalf("label %q (can retry %v), want %q", p.Label, p.CanRetry, want)
			}
		})
	}
}
