package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/scribe-health/scribe/internal/store"
)

// exerciseSchedule covers a call session's appointment and life (migration
// 007): the window and expiry round trip, the session clock set once, the
// next chunk index per speaker, and which sessions the expiry sweep finds.
func exerciseSchedule(t *testing.T, open func(t *testing.T) *store.Store) {
	ctx := context.Background()
	start := time.Date(2026, 12, 10, 14, 0, 0, 0, time.UTC)

	t.Run("ScheduleRoundTrip", func(t *testing.T) {
		s := open(t)
		sess := store.Session{ID: "s-booked", Source: "call", Status: store.StatusScheduled, Template: "soap", Modality: "general", Program: "mh"}
		sess.Book(start, 50*time.Minute)
		mustTx(t, s, func(tx *store.Tx) error { return tx.CreateSession(ctx, &sess) })
		got, err := s.Session(ctx, sess.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantExpiry := start.Add(50*time.Minute + store.ScheduleGrace).UnixMilli()
		if got.ScheduledAt != start.UnixMilli() || got.ScheduledDurationMS != (50*time.Minute).Milliseconds() || got.ExpiresAt != wantExpiry {
			t.Errorf("read back scheduled_at %d, duration %d, expires_at %d; want %d, %d, %d",
				got.ScheduledAt, got.ScheduledDurationMS, got.ExpiresAt, start.UnixMilli(), (50 * time.Minute).Milliseconds(), wantExpiry)
		}
		from, to, ok := got.Window()
		if !ok || !from.Equal(start) || !to.Equal(start.Add(50*time.Minute)) {
			t.Errorf("window %v–%v (%v)", from, to, ok)
		}
		if !got.Open() {
			t.Error("a scheduled call session is not open")
		}
		mustTx(t, s, func(tx *store.Tx) error {
			if err := tx.SetSessionStatus(ctx, sess.ID, store.StatusCancelled); err != nil {
				return err
			}
			if err := tx.EndCapture(ctx, sess.ID, 0); err != nil {
				return err
			}
			return tx.SetEndReason(ctx, sess.ID, "rescheduled")
		})
		got, _ = s.Session(ctx, sess.ID)
		if got.Status != store.StatusCancelled || got.EndReason != "rescheduled" || got.Open() {
			t.Errorf("after cancelling: status %q, end reason %q, open %v", got.Status, got.EndReason, got.Open())
		}
		var unbooked store.Session
		if _, _, ok := unbooked.Window(); ok {
			t.Error("a session without an appointment has a window")
		}
	})

	t.Run("SessionClockAndChunkIndexes", func(t *testing.T) {
		s := open(t)
		sess := store.Session{ID: "s-clock", Source: "call", Status: store.StatusInCall, Template: "soap", Modality: "general", Program: "mh"}
		mustTx(t, s, func(tx *store.Tx) error { return tx.CreateSession(ctx, &sess) })
		var first, second int64
		mustTx(t, s, func(tx *store.Tx) error {
			var err error
			first, err = tx.StartClock(ctx, sess.ID, 1_000)
			return err
		})
		mustTx(t, s, func(tx *store.Tx) error {
			var err error
			second, err = tx.StartClock(ctx, sess.ID, 9_000)
			return err
		})
		if first != 1_000 || second != 1_000 {
			t.Errorf("clock started at %d then %d; want 1000 both times (set once, by the first recording)", first, second)
		}
		var next map[string]int
		mustTx(t, s, func(tx *store.Tx) error {
			var err error
			if next, err = tx.NextChunkIndexes(ctx, sess.ID); err != nil || len(next) != 0 {
				t.Errorf("next indexes before any chunk: %v, %v", next, err)
			}
			for _, c := range []store.Chunk{{Speaker: "clinician", Index: 0}, {Speaker: "clinician", Index: 1}, {Speaker: "client", Index: 0}, {Speaker: "clinician", Index: 4}} {
				c.SessionID, c.AudioBlob, c.EndMS = sess.ID, "blob-"+c.Speaker+string(rune('0'+c.Index)), 1000
				if _, err := tx.AddChunk(ctx, &c); err != nil {
					return err
				}
			}
			next, err = tx.NextChunkIndexes(ctx, sess.ID)
			return err
		})
		if next["clinician"] != 5 || next["client"] != 1 || len(next) != 2 {
			t.Errorf("next chunk indexes %v; want clinician 5 (after the highest), client 1", next)
		}
	})

	t.Run("ExpiredCallSessions", func(t *testing.T) {
		s := open(t)
		now := start.Add(3 * time.Hour)
		mk := func(id, source, status string, ended bool, at time.Time) {
			sess := store.Session{ID: id, Source: source, Status: status, CaptureEnded: ended, Template: "soap", Modality: "general", Program: "mh"}
			if source == "call" {
				sess.Book(at, 50*time.Minute)
			}
			mustTx(t, s, func(tx *store.Tx) error { return tx.CreateSession(ctx, &sess) })
		}
		mk("expired", "call", store.StatusScheduled, false, start)
		mk("expired-recording", "call", store.StatusRecording, false, start)
		mk("expired-live", "call", store.StatusRecording, false, start)
		mk("expired-stale-claim", "call", store.StatusInCall, false, start)
		mk("not-yet", "call", store.StatusScheduled, false, now.Add(-time.Hour)) // window ends 10 min before now; grace still running
		mk("ended", "call", store.StatusReady, true, start)
		mk("cancelled", "call", store.StatusCancelled, true, start)
		mk("upload", "ingest", store.StatusReady, true, start)
		liveSince := now.Add(-30 * time.Second).UnixMilli()
		if ok, err := s.ClaimCall(ctx, "expired-live", "relay-a", now.UnixMilli(), time.Minute); err != nil || !ok {
			t.Fatalf("claim: %v %v", ok, err)
		}
		if ok, err := s.ClaimCall(ctx, "expired-stale-claim", "relay-b", now.Add(-time.Minute).UnixMilli(), time.Minute); err != nil || !ok {
			t.Fatalf("claim: %v %v", ok, err)
		}
		ids, err := s.ExpiredCallSessions(ctx, now.UnixMilli(), liveSince, 100)
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(ids)
		if want := []string{"expired", "expired-recording", "expired-stale-claim"}; !slices.Equal(ids, want) {
			t.Errorf("expired sessions %v, want %v (not the live call, the one in its grace period, ended ones or uploads)", ids, want)
		}
		if ids, _ := s.ExpiredCallSessions(ctx, now.UnixMilli(), liveSince, 1); len(ids) != 1 {
			t.Errorf("limit 1 gave %d", len(ids))
		}
		for id, want := range map[string]bool{"expired-live": true, "expired-stale-claim": false, "expired": false} {
			if live, err := s.CallLive(ctx, id, liveSince); err != nil || live != want {
				t.Errorf("CallLive(%s) = %v, %v; want %v", id, live, err, want)
			}
		}
	})
}
