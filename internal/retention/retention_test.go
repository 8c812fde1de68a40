package retention_test

import (
	"bytes"
	"context"
	"errors"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/scribe-health/scribe/internal/audio"
	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/blob"
	"github.com/scribe-health/scribe/internal/jobs"
	"github.com/scribe-health/scribe/internal/retention"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/testenv"
)

type env struct {
	ctx   context.Context
	st    *store.Store
	blobs *blob.Dir
}

func newEnv(t *testing.T, b testenv.Backend) *env {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.Open(ctx, store.Options{DatabaseURL: b.URL(t), DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	blobs, err := blob.NewDir(filepath.Join(dir, "blobs"), bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return &env{ctx: ctx, st: st, blobs: blobs}
}

func tone(seconds float64) []byte {
	n := int(seconds * 16000)
	s := make([]int16, n)
	for i := range s {
		s[i] = int16(8000 * math.Sin(2*math.Pi*440*float64(i)/16000))
	}
	return audio.EncodeWAV(s, 16000)
}

// session stores a session with two chunks of real WAV audio; the first
// chunk's transcription is done, the second is still pending.
func (e *env) session(t *testing.T, id string, createdAt int64) []store.Chunk {
	t.Helper()
	var chunks []store.Chunk
	err := e.st.InTx(e.ctx, func(tx *store.Tx) error {
		if err := tx.CreateSession(e.ctx, &store.Session{ID: id, Source: "ingest", Status: store.StatusTranscribing, CreatedAt: createdAt}); err != nil {
			return err
		}
		for i := 0; i < 2; i++ {
			c := store.Chunk{SessionID: id, Speaker: "client", Index: i, StartMS: int64(i) * 1000, EndMS: int64(i+1) * 1000, AudioBlob: "sessions/" + id + "/audio/client-000" + string(rune('0'+i)) + ".wav"}
			if err := e.blobs.Put(e.ctx, c.AudioBlob, tone(1)); err != nil {
				return err
			}
			if _, err := tx.AddChunk(e.ctx, &c); err != nil {
				return err
			}
			chunks = append(chunks, c)
		}
		if err := e.blobs.Put(e.ctx, "sessions/"+id+"/chunk-transcript.json", []byte(`[]`)); err != nil {
			return err
		}
		return completeChunk(e.ctx, tx, chunks[0].ID, "sessions/"+id+"/chunk-transcript.json")
	})
	if err != nil {
		t.Fatal(err)
	}
	return chunks
}

func (e *env) exists(t *testing.T, id string) bool {
	t.Helper()
	ok, err := e.blobs.Exists(e.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

func TestPurgeAudioJob(t *testing.T) {
	for _, b := range testenv.Backends {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b)
			chunks := e.session(t, "s-purge", 0)
			held := e.session(t, "s-held", 0)
			if err := e.st.InTx(e.ctx, func(tx *store.Tx) error { return tx.SetLegalHold(e.ctx, "s-held", true, "litigation L-2") }); err != nil {
				t.Fatal(err)
			}
			w := river.NewWorkers()
			river.AddWorker(w, &retention.Worker{Store: e.st, Blobs: e.blobs})
			if err := e.st.StartWorkers(e.ctx, w, store.WorkerOptions{Concurrency: 2}); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				e.st.StopWorkers(ctx)
			})
			// The lead's transcription worker enqueues this in the transaction that completes the chunk.
			if err := e.st.InTx(e.ctx, func(tx *store.Tx) error {
				if err := tx.Enqueue(e.ctx, jobs.PurgeAudioArgs{SessionID: "s-purge", ChunkID: chunks[0].ID}, nil); err != nil {
					return err
				}
				return tx.Enqueue(e.ctx, jobs.PurgeAudioArgs{SessionID: "s-held", ChunkID: held[0].ID}, nil)
			}); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(30 * time.Second)
			tick := time.NewTicker(50 * time.Millisecond)
			defer tick.Stop()
			var refused bool
			for {
				c, err := e.st.Chunk(e.ctx, chunks[0].ID)
				if err != nil {
					t.Fatal(err)
				}
				refused = false
				if err := e.st.AuditEntries(e.ctx, 0, func(a audit.Entry) error {
					if a.Action == "audio.purge" && a.EntityID == "s-held" && a.Outcome == "failure" {
						refused = true
					}
					return nil
				}); err != nil {
					t.Fatal(err)
				}
				if c.AudioPurged && refused {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("purge job did not finish: purged=%v held-refusal audited=%v", c.AudioPurged, refused)
				}
				<-tick.C
			}
			if e.exists(t, chunks[0].AudioBlob) {
				t.Fatal("audio still stored after the purge job")
			}
			if !e.exists(t, chunks[1].AudioBlob) {
				t.Fatal("untranscribed chunk's audio was purged")
			}
			if !e.exists(t, held[0].AudioBlob) {
				t.Fatal("audio of a session on legal hold was purged")
			}
			if c, _ := e.st.Chunk(e.ctx, held[0].ID); c.AudioPurged {
				t.Fatal("held chunk marked purged")
			}
		})
	}
}

func TestPurgePolicyAndSweep(t *testing.T) {
	for _, b := range testenv.Backends {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b)
			now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
			old := e.session(t, "s-old", now.AddDate(0, 0, -40).UnixMilli())
			recent := e.session(t, "s-new", now.AddDate(0, 0, -1).UnixMilli())
			oldHeld := e.session(t, "s-old-held", now.AddDate(0, 0, -40).UnixMilli())
			if err := e.st.InTx(e.ctx, func(tx *store.Tx) error {
				if err := tx.SetLegalHold(e.ctx, "s-old-held", true, "subpoena"); err != nil {
					return err
				}
				for _, id := range []string{"s-old", "s-new", "s-old-held"} {
					if err := e.blobs.Put(e.ctx, "sessions/"+id+"/redacted.json", []byte(`[]`)); err != nil {
						return err
					}
					if err := e.blobs.Put(e.ctx, "sessions/"+id+"/map.bin", []byte(`{}`)); err != nil {
						return err
					}
					if err := tx.PutTranscript(e.ctx, store.Transcript{SessionID: id, RedactedBlob: "sessions/" + id + "/redacted.json", MapBlob: "sessions/" + id + "/map.bin"}); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			// Policy off: the after-transcription purge does nothing.
			if err := e.st.InTx(e.ctx, func(tx *store.Tx) error {
				return tx.SetRetentionPolicy(e.ctx, &store.RetentionPolicy{AudioDays: 30, TranscriptDays: 30, PurgeAudioAfterTranscription: false, UpdatedBy: "admin"})
			}); err != nil {
				t.Fatal(err)
			}
			res, err := retention.PurgeAudio(e.ctx, e.st, e.blobs, "s-new", 0, retention.ReasonAfterTranscription)
			if err != nil || !res.Skipped || !e.exists(t, recent[0].AudioBlob) {
				t.Fatalf("policy off: %v %+v", err, res)
			}
			// A direct purge of a held session is refused with a clear error.
			if _, err := retention.PurgeAudio(e.ctx, e.st, e.blobs, "s-old-held", 0, retention.ReasonAge); !errors.Is(err, retention.ErrLegalHold) || !strings.Contains(err.Error(), "legal hold") {
				t.Fatalf("held purge: %v", err)
			}
			sw, err := retention.Sweep(e.ctx, e.st, e.blobs, now)
			if err != nil {
				t.Fatal(err)
			}
			if sw.AudioSessions != 1 || sw.AudioChunks != 2 || sw.TranscriptSessions != 1 {
				t.Fatalf("sweep: %+v", sw)
			}
			for _, c := range old {
				if e.exists(t, c.AudioBlob) {
					t.Fatal("old audio kept past audio_days")
				}
			}
			if e.exists(t, "sessions/s-old/redacted.json") || e.exists(t, "sessions/s-old/map.bin") || e.exists(t, "sessions/s-old/chunk-transcript.json") {
				t.Fatal("old transcript kept past transcript_days")
			}
			if at, _ := e.st.TranscriptPurgedAt(e.ctx, "s-old"); at == 0 {
				t.Fatal("transcript purge not recorded")
			}
			for _, c := range append(recent, oldHeld...) {
				if !e.exists(t, c.AudioBlob) {
					t.Fatal("recent or held audio purged by the sweep")
				}
			}
			if !e.exists(t, "sessions/s-old-held/redacted.json") {
				t.Fatal("held transcript purged")
			}
			// Lifting the hold lets the next sweep purge it.
			if err := e.st.InTx(e.ctx, func(tx *store.Tx) error { return tx.SetLegalHold(e.ctx, "s-old-held", false, "") }); err != nil {
				t.Fatal(err)
			}
			if sw, err := retention.Sweep(e.ctx, e.st, e.blobs, now); err != nil || sw.AudioChunks != 2 || sw.TranscriptSessions != 1 {
				t.Fatalf("after hold lifted: %v %+v", err, sw)
			}
			v := audit.NewVerifier()
			if err := e.st.AuditEntries(e.ctx, 0, v.Add); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// completeChunk marks a chunk transcribed. Tx.CompleteChunk is gaining a
// "found" result; this accepts either form so the test builds on both sides
// of that change.
func completeChunk(ctx context.Context, tx *store.Tx, id int64, blobID string) error {
	switch fn := any(tx.CompleteChunk).(type) {
	case func(context.Context, int64, string) error:
		return fn(ctx, id, blobID)
	case func(context.Context, int64, string) (bool, error):
		found, err := fn(ctx, id, blobID)
		if err == nil && !found {
			err = errors.New("chunk not found")
		}
		return err
	}
	return errors.New("unknown Tx.CompleteChunk signature")
}
