package pipeline_test

import (
	"context"
	"errors"
	"io/fs"
	"net/url"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/scribe-health/scribe/internal/blob"
	"github.com/scribe-health/scribe/internal/pipeline"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/testenv"
	"github.com/scribe-health/scribe/transcribe"
)

// Issue 11, storage faults: a full disk, a blob write failure and a
// database restart mid-chain leave a session retryable, never
// half-written, with an error a person can act on.

// faultyBlobs is a blob store on a disk that can fill up: while full, or
// for the next failures writes whose ID contains match, a write fails as
// the kernel fails it (ENOSPC, EIO) and nothing is stored.
type faultyBlobs struct {
	blob.Store
	mu       sync.Mutex
	full     bool
	match    string
	failures int
	errno    syscall.Errno
	refused  int
}

func (f *faultyBlobs) Put(ctx context.Context, id string, data []byte) error {
	f.mu.Lock()
	fail := f.full
	errno := syscall.ENOSPC
	if !fail && f.failures > 0 && strings.Contains(id, f.match) {
		f.failures--
		fail, errno = true, f.errno
	}
	if fail {
		f.refused++
	}
	f.mu.Unlock()
	if fail {
		return &fs.PathError{Op: "write", Path: id, Err: errno}
	}
	return f.Store.Put(ctx, id, data)
}

func (f *faultyBlobs) setFull(full bool) {
	f.mu.Lock()
	f.full = full
	f.mu.Unlock()
}

// startWith starts the production worker set over other blobs.
func (h *harness) startWith(blobs blob.Store) {
	h.t.Helper()
	if err := pipeline.Start(h.ctx, pipeline.Deps{Store: h.store, Blobs: blobs}, store.WorkerOptions{}); err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		h.store.StopWorkers(ctx)
	})
}

// TestFullDiskLeavesSessionRetryable: the disk fills up while chunks are
// transcribed. The session fails (after River's retries) saying the
// storage is full; nothing was half-written — no chunk counts as
// transcribed, no transcript object exists; once space is freed one Retry
// takes it to ready.
func TestFullDiskLeavesSessionRetryable(t *testing.T) {
	wav := twoSpeakerRecording(15)
	forEachBackend(t, func(t *testing.T, b testenv.Backend) {
		h := newHarness(t, b)
		quickTranscripts(h)
		disk := &faultyBlobs{Store: h.blobs}
		id := h.ingest(wav, pipeline.IngestOptions{Speakers: "stereo"}, 10*time.Second)
		disk.setFull(true)
		h.startWith(disk)
		err := h.waitWithin(id, 3*time.Minute)
		if !errors.Is(err, pipeline.ErrSessionFailed) || !strings.Contains(err.Error(), "storage is full") || !strings.Contains(err.Error(), "press Retry") {
			t.Fatalf("want a failure saying the storage is full and to press Retry, got %v", err)
		}
		chunks, _ := h.store.Chunks(h.ctx, id)
		for _, c := range chunks {
			if c.State == store.StateDone || c.TranscriptBlob != "" {
				t.Errorf("chunk %d counts as transcribed although its transcript could not be stored", c.ID)
			}
			if ok, _ := h.blobs.Exists(h.ctx, transcribe.ChunkTranscriptBlob(id, c.ID)); ok {
				t.Errorf("chunk %d's transcript object was written", c.ID)
			}
		}
		if disk.refused == 0 {
			t.Fatal("no write reached the full disk")
		}
		disk.setFull(false)
		res, err := pipeline.Retry(h.ctx, h.store, id, "admin@example.org")
		if err != nil || res.AlreadyUnderway {
			t.Fatalf("retry after space was freed: %+v %v", res, err)
		}
		if err := h.waitWithin(id, 2*time.Minute); err != nil {
			t.Fatal(err)
		}
		everyChunkOnce(t, h.store, h.blobs, id)
		h.auditIntact()
	})
}

// TestBlobWriteFailureIsRetried: the token map cannot be written (EIO)
// after the redacted transcript was. The redaction stage keeps no record
// of half its output; River retries it and the session reaches ready with
// one transcript.
func TestBlobWriteFailureIsRetried(t *testing.T) {
	wav := twoSpeakerRecording(15)
	forEachBackend(t, func(t *testing.T, b testenv.Backend) {
		h := newHarness(t, b)
		quickTranscripts(h)
		disk := &faultyBlobs{Store: h.blobs, match: "tokenmap", failures: 1, errno: syscall.EIO}
		h.startWith(disk)
		id := h.ingest(wav, pipeline.IngestOptions{Speakers: "stereo"}, 10*time.Second)
		if err := h.waitWithin(id, 2*time.Minute); err != nil {
			t.Fatal(err)
		}
		if disk.refused != 1 {
			t.Fatalf("%d writes refused, want 1", disk.refused)
		}
		stages, _ := h.store.Stages(h.ctx, id)
		for _, st := range stages {
			if st.Stage == "redact" && (st.State != store.StateDone || st.Attempts != 2) {
				t.Errorf("redact stage: %+v, want done on the second attempt", st)
			}
		}
		everyChunkOnce(t, h.store, h.blobs, id)
		if tr, err := h.store.Transcript(h.ctx, id); err != nil || tr.Segments == 0 {
			t.Fatalf("transcript: %+v %v", tr, err)
		}
		h.auditIntact()
	})
}

// TestDatabaseRestartMidChain (PostgreSQL): every connection of Scribe's
// database is cut (pg_terminate_backend, as a server restart does) while
// transcriptions are in flight and again while the chain runs on. The
// sessions reach ready, no chunk skipped or stored twice, and the audit
// chain verifies.
func TestDatabaseRestartMidChain(t *testing.T) {
	wav := twoSpeakerRecording(25)
	h := newHarness(t, testenv.Backend{Name: "postgres", URL: testenv.PostgresURL})
	quickTranscripts(h)
	u, err := url.Parse(h.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	dbName := strings.TrimPrefix(u.Path, "/")
	admin, err := pgx.Connect(h.ctx, os.Getenv("SCRIBE_TEST_DATABASE_URL"))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(h.ctx)
	cut := func() int {
		t.Helper()
		var n int
		if err := admin.QueryRow(h.ctx, `SELECT COUNT(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()) t`, dbName).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	h.fake.Block()
	t.Cleanup(h.fake.Unblock) // before the workers stop, should the test end early
	h.startWorkers(store.WorkerOptions{})
	ids := []string{
		h.ingest(wav, pipeline.IngestOptions{Speakers: "stereo"}, 10*time.Second),
		h.ingest(wav, pipeline.IngestOptions{Speakers: "stereo"}, 10*time.Second),
	}
	waitFor(t, time.Minute, "no transcription started", func() bool { return runningChunks(t, h.store, ids...) > 0 })
	killed := cut()
	h.fake.Unblock()
	for i := 0; i < 4; i++ {
		time.Sleep(150 * time.Millisecond)
		killed += cut()
	}
	t.Logf("%d database connections cut", killed)
	for _, id := range ids {
		if err := h.waitWithin(id, 3*time.Minute); err != nil {
			t.Fatalf("session %s after the database restarts: %v", id, err)
		}
		everyChunkOnce(t, h.store, h.blobs, id)
		if _, err := h.store.LatestDraft(h.ctx, id); err != nil {
			t.Errorf("session %s: no draft: %v", id, err)
		}
	}
	h.noFakeProblems()
	h.auditIntact()
}
