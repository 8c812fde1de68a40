package storetest

import (
	"context"
	"testing"

	"github.com/scribe-health/scribe/internal/store"
)

// exerciseRoomPieces covers a room recording's pieces (migration 014): a
// piece's number is kept once (the second insert reports the first), they
// list by take then number whatever the order they came in, a call
// session can become a room session (and nothing else can), and deleting
// a session's pieces leaves another session's alone.
func exerciseRoomPieces(t *testing.T, open func(t *testing.T) *store.Store) {
	ctx := context.Background()
	t.Run("RoomPieces", func(t *testing.T) {
		s := open(t)
		for _, sess := range []store.Session{
			{ID: "s-room-1", Source: "call", Status: store.StatusScheduled, Template: "soap", Modality: "general", Program: "mh"},
			{ID: "s-room-2", Source: "room", Status: store.StatusScheduled, Template: "soap", Modality: "general", Program: "mh"},
			{ID: "s-ingest", Source: "ingest", Status: store.StatusTranscribing, Template: "soap", Modality: "general", Program: "mh"},
		} {
			mustTx(t, s, func(tx *store.Tx) error { return tx.CreateSession(ctx, &sess) })
		}
		mustTx(t, s, func(tx *store.Tx) error { return tx.MarkRoomSession(ctx, "s-room-1") })
		if got, _ := s.Session(ctx, "s-room-1"); got.Source != "room" {
			t.Errorf("marked a room session: source %q", got.Source)
		}
		if err := s.InTx(ctx, func(tx *store.Tx) error { return tx.MarkRoomSession(ctx, "s-ingest") }); err == nil {
			t.Error("an uploaded session became a room session")
		}
		type num struct{ take, seq int }
		for _, n := range []num{{1, 0}, {0, 2}, {0, 0}, {1, 1}, {0, 1}} {
			p := store.RoomPiece{SessionID: "s-room-1", Take: n.take, Seq: n.seq, BlobID: "b", Size: 3, SHA256: "h1", StartedAt: 7}
			mustTx(t, s, func(tx *store.Tx) error {
				added, _, err := tx.AddRoomPiece(ctx, p)
				if err == nil && !added {
					t.Errorf("piece %v: not added the first time", n)
				}
				return err
			})
		}
		mustTx(t, s, func(tx *store.Tx) error {
			_, _, err := tx.AddRoomPiece(ctx, store.RoomPiece{SessionID: "s-room-2", Take: 0, Seq: 0, BlobID: "other", Size: 1, SHA256: "h9"})
			return err
		})
		mustTx(t, s, func(tx *store.Tx) error {
			added, existing, err := tx.AddRoomPiece(ctx, store.RoomPiece{SessionID: "s-room-1", Take: 0, Seq: 2, BlobID: "b2", Size: 9, SHA256: "h2"})
			if err == nil && (added || existing.SHA256 != "h1" || existing.BlobID != "b" || existing.Size != 3 || existing.StartedAt != 7 || existing.ReceivedAt == 0) {
				t.Errorf("a second piece under a kept number: added %v, existing %+v", added, existing)
			}
			return err
		})
		ps, err := s.RoomPieces(ctx, "s-room-1")
		if err != nil {
			t.Fatal(err)
		}
		var got []num
		for _, p := range ps {
			got = append(got, num{p.Take, p.Seq})
		}
		want := []num{{0, 0}, {0, 1}, {0, 2}, {1, 0}, {1, 1}}
		if len(got) != len(want) {
			t.Fatalf("pieces %v, want %v", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("pieces %v, want %v (by take, then number)", got, want)
			}
		}
		mustTx(t, s, func(tx *store.Tx) error {
			n, err := tx.DeleteRoomPieces(ctx, "s-room-1")
			if err == nil && n != 5 {
				t.Errorf("deleted %d pieces, want 5", n)
			}
			return err
		})
		if ps, _ := s.RoomPieces(ctx, "s-room-1"); len(ps) != 0 {
			t.Errorf("%d pieces left", len(ps))
		}
		if ps, _ := s.RoomPieces(ctx, "s-room-2"); len(ps) != 1 {
			t.Errorf("another session's pieces: %d, want 1", len(ps))
		}
	})
}
