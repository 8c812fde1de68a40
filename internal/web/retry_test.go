package web

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/scribe-health/scribe/internal/fakeopenai"
	"github.com/scribe-health/scribe/internal/pipeline"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/testenv"
)

// TestRetryButtonAfterProviderAdded (issue 11 item 2): a recording uploaded
// before any transcription provider exists fails; the admin adds one; one
// press of the session page's Retry button takes it to ready, and a second
// press while it runs says the retry is under way (no error page).
func TestRetryButtonAfterProviderAdded(t *testing.T) {
	for _, b := range testenv.Backends {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b.URL(t), nil)
			fake := fakeopenai.New("whisper-w", "notes-w")
			t.Cleanup(fake.Close)
			fake.Transcribe = func([]int) ([]fakeopenai.Segment, error) {
				return []fakeopenai.Segment{{Start: 0.2, End: 1, Text: "words of one chunk"}}, nil
			}
			addProvider := func(p store.Provider) {
				p.Kind, p.BaseURL, p.SelfHosted = "openai", fake.BaseURL(), true
				if err := e.store.InTx(e.ctx, func(tx *store.Tx) error { return tx.PutProvider(e.ctx, p) }); err != nil {
					t.Fatal(err)
				}
			}
			addProvider(store.Provider{Name: "llm", Use: "drafting", Model: "notes-w", JSONSchema: true})
			// One worker: the first chunk fails the session and the later
			// chunks' jobs find it failed.
			if err := e.store.StartWorkers(e.ctx, pipeline.Workers(pipeline.Deps{Store: e.store, Blobs: e.blobs}), store.WorkerOptions{Concurrency: 1}); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				e.store.StopWorkers(ctx)
			})
			e.addUser("dr@example.org", store.RoleClinician, false)
			n := 25 * 16000
			left, right := make([]int16, n), make([]int16, n)
			for i := range left {
				left[i], right[i] = int16(i%200-100), int16(i%50-25)
			}
			in := &pipeline.Ingester{Store: e.store, Blobs: e.blobs, ChunkMax: 10 * time.Second}
			id, err := in.Ingest(e.ctx, bytes.NewReader(testenv.WAV(16000, left, right)), pipeline.IngestOptions{Speakers: "stereo", Clinician: "dr@example.org", ClientAlias: "client-7"})
			if err != nil {
				t.Fatal(err)
			}
			wait := func() error {
				ctx, cancel := context.WithTimeout(e.ctx, 2*time.Minute)
				defer cancel()
				return pipeline.Wait(ctx, e.store, id, nil)
			}
			if err := wait(); !errors.Is(err, pipeline.ErrSessionFailed) || !strings.Contains(err.Error(), "no transcription provider") {
				t.Fatalf("want a failure for want of a transcription provider, got %v", err)
			}
			addProvider(store.Provider{Name: "asr", Use: "transcription", Model: "whisper-w"})
			fake.Block()
			t.Cleanup(fake.Unblock) // before the workers stop, should the test end early

			c := e.client()
			c.login("dr@example.org", "")
			if p := c.get("/sessions/" + id); p.status != http.StatusOK || !strings.Contains(p.body, "/retry") {
				t.Fatalf("session page: HTTP %d, Retry button shown: %v", p.status, strings.Contains(p.body, "/retry"))
			}
			r := c.post("/sessions/"+id+"/retry", url.Values{})
			if r.status != http.StatusSeeOther {
				t.Fatalf("Retry: HTTP %d %s", r.status, errorText(r.body))
			}
			r = c.post("/sessions/"+id+"/retry", url.Values{})
			if r.status != http.StatusSeeOther || !strings.Contains(r.location, "under+way") {
				t.Fatalf("second press of Retry: HTTP %d, location %q: %s", r.status, r.location, errorText(r.body))
			}
			if p := c.get(r.location); p.status != http.StatusOK || !strings.Contains(p.body, "already under way") {
				t.Fatalf("after the second press the page does not say the retry is under way (HTTP %d)", p.status)
			}
			fake.Unblock()
			if err := wait(); err != nil {
				t.Fatalf("after Retry: %v", err)
			}
			chunks, _ := e.store.Chunks(e.ctx, id)
			if n := len(fake.Transcriptions()); n != len(chunks) {
				t.Errorf("%d transcription requests for %d chunks", n, len(chunks))
			}
			if got := e.auditActions(); !contains(got, "session.retry") {
				t.Errorf("the retry was not audited: %v", got)
			}
		})
	}
}
