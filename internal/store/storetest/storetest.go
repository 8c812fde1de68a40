// Package storetest is the one contract suite every store backend runs, in
// the manner of River's riverdrivertest: backends differ in setup only.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/store"
)

// Exercise runs the contract against stores made by open (each call must
// return a fresh, empty, migrated store).
func Exercise(t *testing.T, open func(t *testing.T) *store.Store) {
	ctx := context.Background()
	ExerciseCompliance(t, open)

	exerciseJobs(t, open)

	exerciseRoomPieces(t, open)

	t.Run("BlobTable", func(t *testing.T) {
		exerciseBlobTable(t, open(t))
	})

	t.Run("ConsentScopesInForce", func(t *testing.T) {
		s := open(t)
		sess := &store.Session{ID: "00000000-0000-4000-8000-0000000000c1", Source: "call", Status: store.StatusInCall, Template: "dap", Modality: "general", Program: "sud", ClientAlias: "client-c"}
		if err := s.InTx(ctx, func(tx *store.Tx) error {
			if err := tx.CreateSession(ctx, sess); err != nil {
				return err
			}
			for i, c := range []store.Consent{
				{Scope: "ai_scribe", Granted: true},
				{Scope: "part2_tpo", Granted: true},
				{Scope: "recording", Granted: false},
			} {
				c.ID, c.SessionID, c.Method, c.CapturedBy, c.TextVersion = fmt.Sprintf("consent-%d", i), sess.ID, "electronic", "client:client", "v1"
				if err := tx.AddConsent(ctx, &c); err != nil {
					return err
				}
			}
			_, err := tx.RevokeConsents(ctx, sess.ID, "part2_tpo", "client:client", "stop_ai_scribe")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		in, err := s.ConsentScopesInForce(ctx, sess.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !in["ai_scribe"] || in["part2_tpo"] || in["recording"] || len(in) != 1 {
			t.Fatalf("scopes in force %v; want only ai_scribe (part2 revoked, recording refused)", in)
		}
		if ok, err := s.ConsentInForce(ctx, sess.ID, "part2_tpo"); err != nil || ok {
			t.Fatalf("ConsentInForce(part2_tpo) = %v, %v after revocation", ok, err)
		}
	})

	t.Run("MigrateIdempotent", func(t *testing.T) {
		s := open(t)
		for i := 0; i < 2; i++ {
			if err := s.Migrate(ctx); err != nil {
				t.Fatalf("migrate #%d: %v", i+2, err)
			}
		}
	})

	t.Run("SessionLifecycle", func(t *testing.T) {
		s := open(t)
		sess := &store.Session{ID: "00000000-0000-4000-8000-000000000001", Source: "ingest", Status: store.StatusTranscribing, Template: "dap", Modality: "cbt", Program: "sud", ClientAlias: "client-a"}
		if err := s.InTx(ctx, func(tx *store.Tx) error { return tx.CreateSession(ctx, sess) }); err != nil {
			t.Fatal(err)
		}
		got, err := s.Session(ctx, sess.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Template != "dap" || !got.Part2() || got.Status != store.StatusTranscribing || got.ClientAlias != "client-a" {
			t.Fatalf("round trip: %+v", got)
		}
		if _, err := s.Session(ctx, "missing"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("missing session: %v", err)
		}
		// Duplicate IDs are refused.
		if err := s.InTx(ctx, func(tx *store.Tx) error { return tx.CreateSession(ctx, sess) }); err == nil {
			t.Fatal("duplicate session accepted")
		}
		if err := s.InTx(ctx, func(tx *store.Tx) error {
			return tx.FailSession(ctx, sess.ID, "draft", "provider has no BAA")
		}); err != nil {
			t.Fatal(err)
		}
		got, _ = s.Session(ctx, sess.ID)
		if got.Status != store.StatusFailed || got.FailedStage != "draft" || got.FailedReason == "" {
			t.Fatalf("failed session: %+v", got)
		}
		if err := s.InTx(ctx, func(tx *store.Tx) error { return tx.SetSessionStatus(ctx, sess.ID, store.StatusDrafting) }); err != nil {
			t.Fatal(err)
		}
		got, _ = s.Session(ctx, sess.ID)
		if got.FailedReason != "" || got.Status != store.StatusDrafting {
			t.Fatalf("retry did not clear failure: %+v", got)
		}
		list, err := s.ListSessions(ctx, store.StatusDrafting, 10)
		if err != nil || len(list) != 1 {
			t.Fatalf("list: %v %d", err, len(list))
		}
		list, _ = s.ListSessions(ctx, store.StatusReady, 10)
		if len(list) != 0 {
			t.Fatalf("status filter ignored: %d", len(list))
		}
	})

	t.Run("RollbackLeavesNothing", func(t *testing.T) {
		s := open(t)
		boom := errors.New("boom")
		err := s.InTx(ctx, func(tx *store.Tx) error {
			if err := tx.CreateSession(ctx, &store.Session{ID: "s-rollback", Source: "ingest", Status: "transcribing"}); err != nil {
				return err
			}
			if _, err := tx.AddChunk(ctx, &store.Chunk{SessionID: "s-rollback", Speaker: "client", AudioBlob: "b"}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		if _, err := s.Session(ctx, "s-rollback"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("half-made session left behind: %v", err)
		}
	})

	t.Run("ChunksAndStages", func(t *testing.T) {
		s := open(t)
		id := "s-chunks"
		var ids []int64
		err := s.InTx(ctx, func(tx *store.Tx) error {
			if err := tx.CreateSession(ctx, &store.Session{ID: id, Source: "ingest", Status: "transcribing"}); err != nil {
				return err
			}
			for i := 0; i < 3; i++ {
				cid, err := tx.AddChunk(ctx, &store.Chunk{SessionID: id, Speaker: "client", Index: i, StartMS: int64(i) * 1000, EndMS: int64(i+1) * 1000, AudioBlob: "a"})
				if err != nil {
					return err
				}
				ids = append(ids, cid)
			}
			// Idempotent re-add returns the same ID.
			again, err := tx.AddChunk(ctx, &store.Chunk{SessionID: id, Speaker: "client", Index: 1, StartMS: 1000, EndMS: 2000, AudioBlob: "a"})
			if err != nil {
				return err
			}
			if again != ids[1] {
				t.Errorf("re-add gave %d, want %d", again, ids[1])
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		err = s.InTx(ctx, func(tx *store.Tx) error {
			if found, err := tx.CompleteChunk(ctx, ids[0], "t0"); err != nil || !found {
				return fmt.Errorf("complete chunk: found=%v %v", found, err)
			}
			if found, err := tx.CompleteChunk(ctx, 987654, "x"); err != nil || found {
				return fmt.Errorf("complete of a missing chunk: found=%v %v", found, err)
			}
			if err := tx.SetStage(ctx, id, "transcribe_chunk", ids[0], store.StateDone, 1, ""); err != nil {
				return err
			}
			if err := tx.SetStage(ctx, id, "transcribe_chunk", ids[1], store.StateFailed, 2, "timeout"); err != nil {
				return err
			}
			if err := tx.SetStage(ctx, id, "transcribe_chunk", ids[1], store.StateRunning, 3, ""); err != nil {
				return err
			}
			done, total, err := tx.ChunkCounts(ctx, id)
			if done != 1 || total != 3 {
				t.Errorf("counts %d/%d", done, total)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		st, err := s.Stages(ctx, id)
		if err != nil || len(st) != 2 || st[1].State != store.StateRunning || st[1].Attempts != 3 {
			t.Fatalf("stages: %v %+v", err, st)
		}
		cs, err := s.Chunks(ctx, id)
		if err != nil || len(cs) != 3 || cs[0].TranscriptBlob != "t0" || cs[0].State != "done" {
			t.Fatalf("chunks: %v %+v", err, cs)
		}
	})

	t.Run("Providers", func(t *testing.T) {
		s := open(t)
		p := store.Provider{Name: "east", Kind: "azure", BaseURL: "https://x", Model: "whisper", APIKeyEnv: "K", Use: "transcription", BAASigned: "2026-01-01", BAAExpires: "2027-01-01", ZeroRetention: true, JSONSchema: true,
			Diarization: store.DiarizationJSON}
		if err := s.InTx(ctx, func(tx *store.Tx) error { return tx.PutProvider(ctx, p) }); err != nil {
			t.Fatal(err)
		}
		got, err := s.ProviderFor(ctx, "transcription")
		if err != nil || got != p {
			t.Fatalf("provider round trip: %v\n%+v\n%+v", err, got, p)
		}
		if _, err := s.ProviderFor(ctx, "drafting"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("missing provider: %v", err)
		}
		now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
		if err := got.CheckSend(now, false); err != nil {
			t.Fatalf("active BAA refused: %v", err)
		}
		if err := got.CheckSend(now, true); err == nil {
			t.Fatal("Part 2 sent to a provider not Part 2-allowed")
		}
		if err := got.CheckSend(now.AddDate(2, 0, 0), false); err == nil {
			t.Fatal("expired BAA accepted")
		}
	})

	t.Run("AuditChain", func(t *testing.T) {
		s := open(t)
		var wg sync.WaitGroup
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := s.Audit(ctx, audit.Event{Actor: "system", Action: "test", EntityType: "session", EntityID: "x", Details: map[string]string{"n": "1"}}); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		v := audit.NewVerifier()
		if err := s.AuditEntries(ctx, 0, v.Add); err != nil {
			t.Fatalf("intact chain: %v", err)
		}
		if v.Count() != 8 {
			t.Fatalf("%d entries, want 8", v.Count())
		}
		if err := s.TamperForTest(ctx, `UPDATE audit SET entity_id = 'y' WHERE seq = 5`); err != nil {
			t.Fatal(err)
		}
		var be *audit.BrokenError
		if err := s.AuditEntries(ctx, 0, audit.NewVerifier().Add); !errors.As(err, &be) || be.Seq != 5 {
			t.Fatalf("tampered entry not found: %v", err)
		}
	})

	exerciseUsers(t, open)
	exerciseClients(t, open)
	exerciseAuditFields(t, open)
	exerciseAuth(t, open)
	exerciseSchedule(t, open)
	exerciseStyle(t, open)
}
