package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/scribe-health/scribe/internal/store"
)

// testJob is a job of a session, as the pipeline's are.
type testJob struct {
	SessionID string `json:"session_id" river:"unique"`
	ChunkID   int64  `json:"chunk_id" river:"unique"`
}

func (testJob) Kind() string { return "store_test_job" }

// exerciseJobs: what the store does with River's jobs besides inserting
// them (jobs.go): uniqueness over active jobs only, EnqueueNow, finishing a
// job inside a transaction, taking back a job past its lease.
func exerciseJobs(t *testing.T, open func(t *testing.T) *store.Store) {
	ctx := context.Background()
	const sid = "00000000-0000-4000-8000-0000000000j1"
	setup := func(t *testing.T) *store.Store {
		s := open(t)
		if err := s.InTx(ctx, func(tx *store.Tx) error {
			return tx.CreateSession(ctx, &store.Session{ID: sid, Source: "ingest", Status: store.StatusTranscribing, Template: "soap", Modality: "general", Program: "mh"})
		}); err != nil {
			t.Fatal(err)
		}
		return s
	}
	enqueue := func(t *testing.T, s *store.Store, chunk int64) {
		t.Helper()
		if err := s.InTx(ctx, func(tx *store.Tx) error { return tx.Enqueue(ctx, testJob{SessionID: sid, ChunkID: chunk}, nil) }); err != nil {
			t.Fatal(err)
		}
	}
	jobsOf := func(t *testing.T, s *store.Store) []store.Job {
		t.Helper()
		all, err := s.JobsOf(ctx, sid)
		if err != nil {
			t.Fatal(err)
		}
		return all
	}
	// setState moves a job as River would (tests only).
	setState := func(t *testing.T, s *store.Store, id int64, state string) {
		t.Helper()
		q := `UPDATE river_job SET state = $2, finalized_at = created_at WHERE id = $1`
		switch state {
		case store.JobRunning:
			q = `UPDATE river_job SET state = $2, attempt = attempt + 1, attempted_at = created_at WHERE id = $1`
		case store.JobRetryable, store.JobAvailable:
			q = `UPDATE river_job SET state = $2 WHERE id = $1`
		}
		if s.Dialect() == store.Postgres {
			q = `UPDATE river_job SET state = $2::river_job_state` + q[len(`UPDATE river_job SET state = $2`):]
		}
		if err := s.TamperForTest(ctx, q, id, state); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("UniqueWhileActive", func(t *testing.T) {
		s := setup(t)
		enqueue(t, s, 1)
		enqueue(t, s, 1) // still queued: not inserted again
		if all := jobsOf(t, s); len(all) != 1 || all[0].State != store.JobAvailable || all[0].ChunkID != 1 || all[0].Kind != "store_test_job" {
			t.Fatalf("jobs after enqueueing the same job twice: %+v", all)
		}
		// A finished job of any kind never blocks the same job again.
		for i, state := range []string{store.JobCompleted, store.JobCancelled, store.JobDiscarded} {
			all := jobsOf(t, s)
			setState(t, s, all[len(all)-1].ID, state)
			enqueue(t, s, 1)
			if all := jobsOf(t, s); len(all) != i+2 || !all[len(all)-1].Active() {
				t.Fatalf("after a %s job, enqueueing it again: %+v", state, all)
			}
		}
	})

	t.Run("JobCounts", func(t *testing.T) {
		s := setup(t)
		enqueue(t, s, 1)
		enqueue(t, s, 2)
		enqueue(t, s, 3)
		setState(t, s, jobsOf(t, s)[0].ID, store.JobCompleted)
		counts, err := s.JobCounts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int64{}
		for _, c := range counts {
			if c.Kind == "store_test_job" {
				got[c.State] = c.Count
			}
		}
		if len(got) != 2 || got[store.JobAvailable] != 2 || got[store.JobCompleted] != 1 {
			t.Fatalf("job counts by state: %v (all: %+v)", got, counts)
		}
	})

	t.Run("EnqueueNow", func(t *testing.T) {
		s := setup(t)
		enqueue(t, s, 2)
		all := jobsOf(t, s)
		setState(t, s, all[0].ID, store.JobRetryable)
		var inserted bool
		if err := s.InTx(ctx, func(tx *store.Tx) (err error) {
			inserted, err = tx.EnqueueNow(ctx, testJob{SessionID: sid, ChunkID: 2})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if all := jobsOf(t, s); !inserted || len(all) != 2 || all[0].State != store.JobCancelled || all[1].State != store.JobAvailable || all[1].Attempt != 0 {
			t.Fatalf("EnqueueNow over a job waiting to retry: inserted %v, jobs %+v; want it replaced by a fresh job", inserted, all)
		}
		// A job queued and never attempted is left to run.
		if err := s.InTx(ctx, func(tx *store.Tx) (err error) {
			inserted, err = tx.EnqueueNow(ctx, testJob{SessionID: sid, ChunkID: 2})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if all := jobsOf(t, s); inserted || len(all) != 2 {
			t.Fatalf("EnqueueNow over a queued job: inserted %v, jobs %+v", inserted, all)
		}
		// So is a running one.
		setState(t, s, jobsOf(t, s)[1].ID, store.JobRunning)
		if err := s.InTx(ctx, func(tx *store.Tx) (err error) {
			inserted, err = tx.EnqueueNow(ctx, testJob{SessionID: sid, ChunkID: 2})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if all := jobsOf(t, s); inserted || len(all) != 2 || all[1].State != store.JobRunning {
			t.Fatalf("EnqueueNow over a running job: inserted %v, jobs %+v", inserted, all)
		}
	})

	t.Run("FinishJobInTx", func(t *testing.T) {
		s := setup(t)
		enqueue(t, s, 3)
		id := jobsOf(t, s)[0].ID
		// Not running: nothing to finish.
		if err := s.InTx(ctx, func(tx *store.Tx) error { return tx.FinishJob(ctx, id, store.JobCancelled, "x") }); err != nil {
			t.Fatal(err)
		}
		if j := jobsOf(t, s)[0]; j.State != store.JobAvailable {
			t.Fatalf("a queued job was finished: %+v", j)
		}
		setState(t, s, id, store.JobRunning)
		// Rolled back with the transaction.
		_ = s.InTx(ctx, func(tx *store.Tx) error {
			if err := tx.FinishJob(ctx, id, store.JobCancelled, "stage failed for good"); err != nil {
				t.Fatal(err)
			}
			return context.Canceled
		})
		if j := jobsOf(t, s)[0]; j.State != store.JobRunning {
			t.Fatalf("a rolled-back FinishJob took effect: %+v", j)
		}
		if err := s.InTx(ctx, func(tx *store.Tx) error { return tx.FinishJob(ctx, id, store.JobCancelled, "stage failed for good") }); err != nil {
			t.Fatal(err)
		}
		if j := jobsOf(t, s)[0]; j.State != store.JobCancelled || j.FinalizedAt == 0 || j.Active() {
			t.Fatalf("after FinishJob: %+v", j)
		}
		if err := s.InTx(ctx, func(tx *store.Tx) error { return tx.FinishJob(ctx, id, store.JobDiscarded, "") }); err == nil {
			t.Fatal("FinishJob accepted a state other than completed or cancelled")
		}
	})

	t.Run("RescueExpiredLeases", func(t *testing.T) {
		s := setup(t)
		enqueue(t, s, 4)
		enqueue(t, s, 5)
		all := jobsOf(t, s)
		setState(t, s, all[0].ID, store.JobRunning)
		setState(t, s, all[1].ID, store.JobRunning)
		// The second has no attempt left: it is discarded, not queued again.
		if err := s.TamperForTest(ctx, `UPDATE river_job SET max_attempts = attempt WHERE id = $1`, all[1].ID); err != nil {
			t.Fatal(err)
		}
		if got, err := s.RescueExpiredLeases(ctx, "store_test_job", time.Hour); err != nil || len(got) != 0 {
			t.Fatalf("jobs within their lease taken back: %+v %v", got, err)
		}
		time.Sleep(5 * time.Millisecond)
		got, err := s.RescueExpiredLeases(ctx, "store_test_job", time.Millisecond)
		if err != nil || len(got) != 2 {
			t.Fatalf("rescued %+v, %v; want both", got, err)
		}
		after := jobsOf(t, s)
		if after[0].State != store.JobAvailable || after[1].State != store.JobDiscarded || after[1].FinalizedAt == 0 {
			t.Fatalf("after the rescue: %+v", after)
		}
		for _, r := range got {
			if r.SessionID != sid || r.Kind != "store_test_job" {
				t.Errorf("rescued job: %+v", r)
			}
		}
		// Again: nothing is running any more.
		if got, err := s.RescueExpiredLeases(ctx, "store_test_job", time.Millisecond); err != nil || len(got) != 0 {
			t.Fatalf("second rescue: %+v %v", got, err)
		}
	})

	t.Run("StalledSessions", func(t *testing.T) {
		s := setup(t)
		cutoff := s.NowMS() - 60_000
		if ids, err := s.StalledSessions(ctx, cutoff, 10); err != nil || len(ids) != 0 {
			t.Fatalf("a session changed just now listed as stalled: %v %v", ids, err)
		}
		if err := s.TamperForTest(ctx, `UPDATE sessions SET updated_at = 0 WHERE id = $1`, sid); err != nil {
			t.Fatal(err)
		}
		if ids, err := s.StalledSessions(ctx, cutoff, 10); err != nil || len(ids) != 1 || ids[0] != sid {
			t.Fatalf("stalled sessions: %v %v", ids, err)
		}
		// A stage row changed recently keeps it off the list.
		if err := s.InTx(ctx, func(tx *store.Tx) error {
			return tx.SetStage(ctx, sid, "transcribe_chunk", 1, store.StateRunning, 1, "")
		}); err != nil {
			t.Fatal(err)
		}
		if ids, err := s.StalledSessions(ctx, cutoff, 10); err != nil || len(ids) != 0 {
			t.Fatalf("a session whose stage just changed listed as stalled: %v %v", ids, err)
		}
	})
}
