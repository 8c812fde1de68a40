package compliance_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/compliance"
	"github.com/scribe-health/scribe/internal/testenv"
)

// movableClock is a clock a test moves while another goroutine reads it;
// it counts the reads, so a test can wait for a poll that saw a time.
type movableClock struct{ ms, reads atomic.Int64 }

func (c *movableClock) now() time.Time {
	c.reads.Add(1)
	return time.UnixMilli(c.ms.Load())
}
func (c *movableClock) add(d time.Duration) { c.ms.Add(d.Milliseconds()) }

// waitFor polls cond until it holds or a generous deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestAutomaticCheckpoints: the checkpointer `scribe serve` runs signs the
// head after Every new entries, after Interval when fewer came, and once
// more at shutdown; each checkpoint also goes to the witness, and the log
// then verifies with no unsigned tail. It refuses to vouch for a log whose
// witnessed tail was deleted, and the admin page's record says why.
func TestAutomaticCheckpoints(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b testenv.Backend) {
		ctx := context.Background()
		s, _ := openStore(t, b)
		clk := &movableClock{}
		clk.ms.Store(time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC).UnixMilli())
		s.SetClock(clk.now)
		trust := compliance.AuditTrust{DataDir: t.TempDir()}
		event := func() {
			t.Helper()
			if err := s.Audit(ctx, audit.Event{Actor: "system", Action: "test", EntityType: "session", EntityID: "s"}); err != nil {
				t.Fatal(err)
			}
		}
		lastSigned := func() int64 {
			cps, err := s.AuditCheckpoints(ctx)
			if err != nil || len(cps) == 0 {
				return 0
			}
			return cps[len(cps)-1].Seq
		}
		runCtx, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		cpr := &compliance.Checkpointer{Store: s, Trust: trust, Every: 5, Interval: 10 * time.Minute, Poll: 5 * time.Millisecond, Now: clk.now}
		go func() { cpr.Run(runCtx); close(done) }()

		// Every 5 entries: the fifth entry is followed by a checkpoint that
		// signs it and the checkpoint's own entry.
		for i := 0; i < 5; i++ {
			event()
		}
		waitFor(t, "a checkpoint after 5 entries", func() bool { return lastSigned() == 6 })
		// Fewer than 5 entries, then the interval passes.
		event()
		event()
		clk.add(11 * time.Minute)
		waitFor(t, "a checkpoint after the interval", func() bool { return lastSigned() == 9 })
		// An idle log is not checkpointed again (no endless checkpoints of
		// checkpoints).
		clk.add(11 * time.Minute)
		seen := clk.reads.Load()
		waitFor(t, "polls of the idle log", func() bool { return clk.reads.Load() > seen+3 })
		if got := lastSigned(); got != 9 {
			t.Fatalf("an idle log was checkpointed again at entry %d", got)
		}
		// Shutdown signs what is left.
		event()
		stop()
		<-done
		if got := lastSigned(); got != 11 {
			t.Fatalf("after shutdown the last checkpoint is at entry %d, want 11", got)
		}
		w, err := audit.Witness{Path: trust.WitnessPath()}.Read()
		if err != nil || len(w) != 3 || w[2].Seq != 11 {
			t.Fatalf("witness: %v %+v", err, w)
		}
		rep, err := compliance.VerifyAudit(ctx, s, trust)
		if err != nil || rep.Entries != 11 || rep.Witnessed != 11 {
			t.Fatalf("verify: %v %+v", err, rep)
		}
		if rec, err := compliance.LastVerify(ctx, s); err != nil || !rec.OK || rec.By != "system" {
			t.Fatalf("the start-up verification was not recorded: %+v %v", rec, err)
		}

		// Deleting the witnessed tail with its checkpoints: no checkpoint
		// vouches for the shortened log, and the record says why.
		for _, q := range []string{`DELETE FROM audit WHERE seq > 6`, `DELETE FROM audit_checkpoints WHERE seq > 6`} {
			if err := s.TamperForTest(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		for i := 0; i < 6; i++ {
			event()
		}
		runCtx, stop = context.WithCancel(ctx)
		done = make(chan struct{})
		go func() { cpr.Run(runCtx); close(done) }()
		waitFor(t, "the refusal to be recorded", func() bool {
			rec, err := compliance.LastVerify(ctx, s)
			return err == nil && strings.Contains(rec.Message, "automatic checkpoint refused") && strings.Contains(rec.Message, "witness")
		})
		stop()
		<-done
		if got := lastSigned(); got != 6 {
			t.Fatalf("a shortened log was checkpointed at entry %d", got)
		}
		if _, err := compliance.VerifyAudit(ctx, s, trust); err == nil || !strings.Contains(err.Error(), "witness") {
			t.Fatalf("verify after the tail and its checkpoints were deleted: %v", err)
		}
	})
}
