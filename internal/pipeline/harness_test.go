package pipeline_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/blob"
	"github.com/scribe-health/scribe/internal/fakeopenai"
	"github.com/scribe-health/scribe/internal/pipeline"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/testenv"
	"github.com/scribe-health/scribe/internal/transcript"
	"github.com/scribe-health/scribe/transcribe"
)

const (
	whisperModel = "whisper-test-1"
	chatModel    = "note-model-test-1"
)

type harness struct {
	t       testing.TB
	ctx     context.Context
	dbURL   string
	dataDir string
	store   *store.Store
	blobs   *blob.Dir
	fake    *fakeopenai.Server
}

// newHarness opens a fresh store on backend b with a fake OpenAI-compatible
// API registered as both providers (self-hosted unless told otherwise).
func newHarness(t testing.TB, b testenv.Backend) *harness {
	t.Helper()
	h := &harness{t: t, ctx: context.Background(), dbURL: b.URL(t), dataDir: t.TempDir()}
	h.open()
	h.fake = fakeopenai.New(whisperModel, chatModel)
	t.Cleanup(h.fake.Close)
	h.addProvider(store.Provider{Name: "local-whisper", Use: "transcription", Model: whisperModel, SelfHosted: true})
	h.addProvider(store.Provider{Name: "local-llm", Use: "drafting", Model: chatModel, SelfHosted: true, JSONSchema: true, Part2Allowed: true})
	return h
}

func (h *harness) open() {
	h.t.Helper()
	s, err := store.Open(h.ctx, store.Options{DatabaseURL: h.dbURL, DataDir: h.dataDir})
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { s.Close() })
	kek := bytes.Repeat([]byte{42}, 32)
	blobs, err := blob.NewDir(filepath.Join(h.dataDir, "blobs"), kek)
	if err != nil {
		h.t.Fatal(err)
	}
	h.store, h.blobs = s, blobs
}

func (h *harness) addProvider(p store.Provider) {
	h.t.Helper()
	p.Kind = "openai"
	p.BaseURL = h.fake.BaseURL()
	if err := h.store.InTx(h.ctx, func(tx *store.Tx) error { return tx.PutProvider(h.ctx, p) }); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) deps() pipeline.Deps {
	return pipeline.Deps{Store: h.store, Blobs: h.blobs}
}

func (h *harness) startWorkers(opt store.WorkerOptions) {
	h.t.Helper()
	if err := pipeline.Start(h.ctx, h.deps(), opt); err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		h.store.StopWorkers(ctx)
	})
}

func (h *harness) ingest(wav []byte, opt pipeline.IngestOptions, chunkMax time.Duration) string {
	h.t.Helper()
	in := &pipeline.Ingester{Store: h.store, Blobs: h.blobs, ChunkMax: chunkMax}
	id, err := in.Ingest(h.ctx, bytes.NewReader(wav), opt)
	if err != nil {
		h.t.Fatalf("ingest: %v", err)
	}
	return id
}

func (h *harness) wait(id string) error {
	// Generous: on a loaded CI machine pocketsphinx is slow, and a crashed
	// worker's job waits for its heartbeat to go stale.
	ctx, cancel := context.WithTimeout(h.ctx, 5*time.Minute)
	defer cancel()
	return pipeline.Wait(ctx, h.store, id, nil)
}

func (h *harness) segments(id string) []transcript.Segment {
	h.t.Helper()
	segs, err := transcribe.Merge(h.ctx, h.store, h.blobs, id)
	if err != nil {
		h.t.Fatal(err)
	}
	return segs
}

func (h *harness) noFakeProblems() {
	h.t.Helper()
	if p := h.fake.Problems(); len(p) > 0 {
		h.t.Fatalf("the fake OpenAI API found problems with what it was sent:\n%s", strings.Join(p, "\n"))
	}
}

func (h *harness) auditIntact() []audit.Entry {
	h.t.Helper()
	var entries []audit.Entry
	v := audit.NewVerifier()
	if err := h.store.AuditEntries(h.ctx, 0, func(e audit.Entry) error {
		entries = append(entries, e)
		return v.Add(e)
	}); err != nil {
		h.t.Fatalf("audit chain: %v", err)
	}
	return entries
}

func forEachBackend(t *testing.T, fn func(t *testing.T, b testenv.Backend)) {
	for _, b := range testenv.Backends {
		t.Run(b.Name, func(t *testing.T) { fn(t, b) })
	}
}
