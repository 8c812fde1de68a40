package pipeline_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/scribe-health/scribe/internal/blob"
	"github.com/scribe-health/scribe/internal/fakeopenai"
	"github.com/scribe-health/scribe/internal/pipeline"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/testenv"
	"github.com/scribe-health/scribe/transcribe"
)

// TestTwoNodesShareOneDatabase: two scribe processes on one PostgreSQL with
// the database blob store (--blob-store database) and the same master key.
// Node A takes in a recording and runs no workers; node B, with a data
// directory of its own (no files shared), transcribes, redacts and drafts
// it: River spreads the jobs and the audio travels through the database.
// Neither node writes an object to its local disk.
func TestTwoNodesShareOneDatabase(t *testing.T) {
	wav := stereoCall(t)
	ctx := context.Background()
	url := testenv.PostgresURL(t)
	kek := bytes.Repeat([]byte{42}, 32)
	fake := fakeopenai.New(whisperModel, chatModel)
	t.Cleanup(fake.Close)
	type node struct {
		store *store.Store
		blobs *blob.Table
		dir   string
	}
	open := func() node {
		dir := t.TempDir()
		s, err := store.Open(ctx, store.Options{DatabaseURL: url, DataDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		tb, err := blob.NewTable(s, kek)
		if err != nil {
			t.Fatal(err)
		}
		return node{store: s, blobs: tb, dir: dir}
	}
	a, b := open(), open()
	for _, p := range []store.Provider{
		{Name: "local-whisper", Use: "transcription", Model: whisperModel, SelfHosted: true},
		{Name: "local-llm", Use: "drafting", Model: chatModel, SelfHosted: true, JSONSchema: true, Part2Allowed: true},
	} {
		p.Kind, p.BaseURL = "openai", fake.BaseURL()
		if err := a.store.InTx(ctx, func(tx *store.Tx) error { return tx.PutProvider(ctx, p) }); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.store.StartWorkers(ctx, pipeline.Workers(pipeline.Deps{Store: b.store, Blobs: b.blobs}), store.WorkerOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		b.store.StopWorkers(sctx)
	})

	in := &pipeline.Ingester{Store: a.store, Blobs: a.blobs, ChunkMax: 10 * time.Second}
	id, err := in.Ingest(ctx, bytes.NewReader(wav), pipeline.IngestOptions{Template: "dap", Speakers: "stereo", ConsentAttestedBy: "therapist@example.org"})
	if err != nil {
		t.Fatalf("ingest on node A: %v", err)
	}
	wctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	if err := pipeline.Wait(wctx, a.store, id, nil); err != nil {
		t.Fatalf("node A waiting for node B's work: %v", err)
	}
	if p := fake.Problems(); len(p) > 0 {
		t.Fatalf("the fake OpenAI API found problems: %v", p)
	}
	chunks, err := a.store.Chunks(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(fake.Transcriptions()); len(chunks) < 4 || n != len(chunks) {
		t.Fatalf("%d chunks, %d transcribed by node B", len(chunks), n)
	}
	d, err := a.store.LatestDraft(ctx, id)
	if err != nil || d.Status != store.DraftDraft {
		t.Fatalf("draft seen from node A: %+v, %v", d, err)
	}
	segs, err := transcribe.Merge(ctx, a.store, a.blobs, id)
	if err != nil {
		t.Fatal(err)
	}
	var text strings.Builder
	for _, s := range segs {
		text.WriteString(strings.ToLower(s.Text) + " ")
	}
	for _, tu := range turns {
		if !strings.Contains(text.String(), tu.keyword) {
			t.Errorf("keyword %q missing from the transcript node B made", tu.keyword)
		}
	}
	ids, err := a.store.BlobIDs(ctx)
	if err != nil || len(ids) == 0 {
		t.Fatalf("no objects in the database: %v", err)
	}
	for _, n := range []node{a, b} {
		if _, err := os.Stat(filepath.Join(n.dir, "blobs")); !os.IsNotExist(err) {
			t.Errorf("a node wrote objects to its local disk (%v)", err)
		}
	}
}
