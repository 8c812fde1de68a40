package pipeline_test

import (
	"path/filepath"
	"testing"

	"github.com/google/uuid"

	"github.com/scribe-health/scribe/capture"
	"github.com/scribe-health/scribe/internal/pipeline"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/testenv"
)

// TestRelayRestartKeepsStoredChunks: a relay restarted mid-call numbers its
// chunks from 0 again on a clock that starts again; the chunks the earlier
// relay stored are neither overwritten nor overlapped, and a retried chunk
// is not stored twice.
func TestRelayRestartKeepsStoredChunks(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b testenv.Backend) {
		h := newHarness(t, b)
		id := uuid.NewString()
		if err := h.store.InTx(h.ctx, func(tx *store.Tx) error {
			if err := tx.CreateSession(h.ctx, &store.Session{ID: id, Source: "call", Status: store.StatusInCall, Template: "soap", Modality: "general", Program: "mh"}); err != nil {
				return err
			}
			return tx.AddConsent(h.ctx, &store.Consent{ID: uuid.NewString(), SessionID: id, Scope: "ai_scribe", Granted: true, Method: "electronic", CapturedBy: "client:client", TextVersion: pipeline.ConsentTextVersion})
		}); err != nil {
			t.Fatal(err)
		}
		chunk := func(idx int, startSec, seconds int, level int16) capture.Chunk {
			pcm := make([]int16, seconds*16000)
			for i := range pcm {
				pcm[i] = level
			}
			return capture.Chunk{Index: idx, StartSample: int64(startSec) * 16000, EndSample: int64(startSec+seconds) * 16000, Samples: pcm}
		}
		before := &pipeline.CallBackend{Store: h.store, Blobs: h.blobs}
		for i := 0; i < 2; i++ {
			if err := before.StoreChunk(h.ctx, id, "client", chunk(i, i*10, 10, 100)); err != nil {
				t.Fatal(err)
			}
		}
		// The same chunk again (a retry after a lost answer): no new row.
		if err := before.StoreChunk(h.ctx, id, "client", chunk(1, 10, 10, 100)); err != nil {
			t.Fatal(err)
		}
		after := &pipeline.CallBackend{Store: h.store, Blobs: h.blobs} // the restarted relay
		for i := 0; i < 2; i++ {
			if err := after.StoreChunk(h.ctx, id, "client", chunk(i, i*10, 10, 200)); err != nil {
				t.Fatal(err)
			}
		}
		chunks, err := h.store.Chunks(h.ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if len(chunks) != 4 {
			t.Fatalf("%d chunks stored, want 4: %+v", len(chunks), chunks)
		}
		// The retry left no second copy of the audio behind.
		files, err := filepath.Glob(filepath.Join(h.dataDir, "blobs", "sessions", id, "audio", "*"))
		if err != nil || len(files) != 4 {
			t.Errorf("%d audio objects for 4 chunks (%v): a retried chunk's audio was left behind", len(files), err)
		}
		for i, c := range chunks {
			if c.Index != i || c.StartMS != int64(i)*10_000 || c.EndMS != int64(i+1)*10_000 {
				t.Errorf("chunk %d: index %d, %d–%d ms", i, c.Index, c.StartMS, c.EndMS)
			}
			wav, err := h.blobs.Get(h.ctx, c.AudioBlob)
			if err != nil {
				t.Fatalf("chunk %d audio: %v", i, err)
			}
			want := int16(100)
			if i >= 2 {
				want = 200
			}
			if got := int16(uint16(wav[44]) | uint16(wav[45])<<8); got != want {
				t.Errorf("chunk %d holds the other relay's audio (sample %d, want %d)", i, got, want)
			}
		}
	})
}
