package pipeline

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/riverqueue/river"

	"github.com/scribe-health/scribe/drafts"
	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/jobs"
	"github.com/scribe-health/scribe/internal/metrics"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/transcribe"
)

// The reconciler is the safety net for bugs not found yet: a periodic job
// (River runs periodic jobs on the elected leader only, so one pass per
// cluster at a time) that finds sessions whose state and jobs disagree
// and repairs each by queueing what is missing, through the same resume
// that Retry uses. What it repairs:
//
//   - a running job past its lease (its kind's timeout plus a grace
//     period: the process running it lost track of it) goes back to the
//     queue;
//   - a session in progress with no job of it queued or running, about
//     which nothing changed for ReconcileMinAge: a chunk not transcribed
//     is queued again; a session transcribing with every chunk done moves
//     to redaction; redacting or drafting with no job queues that stage
//     again, or moves on when the stage is done (a lost enqueue);
//   - unless the stage's latest job stopped for good (discarded after its
//     attempts were used up by crashes, or cancelled): then the session
//     is failed with a reason, and Retry is the person's decision.
//
// A session with any job queued or running is progressing and is left
// alone; unique jobs keep a repair from ever duplicating work. Each repair
// is audited as a system action ("session.repaired", no PHI), logged, and
// counted (metrics.SessionRepairs).

// Reconciler defaults.
const (
	ReconcileEvery  = 10 * time.Second
	ReconcileMinAge = 15 * time.Second
	// leaseGrace is added to a job kind's timeout to make its lease.
	leaseGrace = 2 * time.Minute
)

// Reconciler is the reconcile job's worker.
type Reconciler struct {
	river.WorkerDefaults[jobs.ReconcileArgs]
	Store *store.Store
	// Leases: how long one attempt of a job kind may run before it is
	// taken back. Kinds not listed are left to River's own rescuer.
	Leases map[string]time.Duration
	// MinAge: a session is looked at only when nothing about it changed
	// for this long; default ReconcileMinAge.
	MinAge time.Duration
}

func (r *Reconciler) Timeout(*river.Job[jobs.ReconcileArgs]) time.Duration { return 2 * time.Minute }

func (r *Reconciler) Work(ctx context.Context, _ *river.Job[jobs.ReconcileArgs]) error {
	_, err := r.Reconcile(ctx)
	outcome := "ok"
	if err != nil {
		outcome = "error"
	}
	metrics.ReconcilerPasses.Inc(outcome)
	return err
}

// ReconcilePeriodic schedules the reconciler every ReconcileEvery, and at
// once when a process becomes the leader. At most one pass is queued or
// running at a time, in a queue of its own (store.QueueMaintenance).
func ReconcilePeriodic() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(ReconcileEvery), func() (river.JobArgs, *river.InsertOpts) {
		return jobs.ReconcileArgs{}, &river.InsertOpts{Queue: store.QueueMaintenance, MaxAttempts: 1, UniqueOpts: store.UniqueWhileActive()}
	}, &river.PeriodicJobOpts{ID: "reconcile", RunOnStart: true})
}

// Repair is one thing the reconciler put right.
type Repair struct {
	SessionID string
	// What: lease_expired, requeued_<stage>, moved_to_<status>, or
	// failed_stopped_job.
	What string
	Jobs int // jobs queued (or taken back)
}

// Reconcile runs one pass and returns the repairs it made.
func (r *Reconciler) Reconcile(ctx context.Context) ([]Repair, error) {
	var out []Repair
	kinds := make([]string, 0, len(r.Leases))
	for k := range r.Leases {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, kind := range kinds {
		rescued, err := r.Store.RescueExpiredLeases(ctx, kind, r.Leases[kind])
		if err != nil {
			return out, fmt.Errorf("take back jobs past their lease: %w", err)
		}
		for _, j := range rescued {
			rep := Repair{SessionID: j.SessionID, What: "lease_expired", Jobs: 1}
			r.Store.Logger().Warn("reconciler took back a job that ran past its lease", "job", j.ID, "kind", j.Kind, "session_id", j.SessionID, "attempt", j.Attempt, "now", j.State, "client", j.Client)
			metrics.JobsRescued.Inc("lease_expired")
			metrics.SessionRepairs.Inc(rep.What)
			if j.SessionID != "" {
				if err := r.Store.Audit(ctx, repairEvent(rep, map[string]string{"kind": j.Kind, "attempt": fmt.Sprint(j.Attempt)})); err != nil {
					return out, err
				}
			}
			out = append(out, rep)
		}
	}
	minAge := r.MinAge
	if minAge <= 0 {
		minAge = ReconcileMinAge
	}
	cutoff := r.Store.NowMS() - minAge.Milliseconds()
	ids, err := r.Store.StalledSessions(ctx, cutoff, 500)
	if err != nil {
		return out, fmt.Errorf("list sessions to reconcile: %w", err)
	}
	for _, id := range ids {
		rep, err := r.reconcileSession(ctx, id, cutoff)
		if err != nil {
			// One session that cannot be repaired must not keep the
			// others waiting.
			r.Store.Logger().Error("reconciler could not repair a session", "session_id", id, "error", err)
			continue
		}
		if rep.What == "" {
			continue
		}
		metrics.SessionRepairs.Inc(rep.What)
		r.Store.Logger().Warn("reconciler repaired a session whose state and jobs disagreed", "session_id", id, "repair", rep.What, "jobs", rep.Jobs)
		out = append(out, rep)
	}
	return out, nil
}

func repairEvent(rep Repair, details map[string]string) audit.Event {
	if details == nil {
		details = map[string]string{}
	}
	details["repair"] = rep.What
	details["jobs"] = fmt.Sprint(rep.Jobs)
	return audit.Event{Actor: "system", Action: "session.repaired", EntityType: "session", EntityID: rep.SessionID, Details: details}
}

// reconcileSession checks one session against its jobs, under its lock,
// and repairs it when nothing of it is queued or running.
func (r *Reconciler) reconcileSession(ctx context.Context, id string, cutoff int64) (Repair, error) {
	rep := Repair{SessionID: id}
	err := r.Store.InTx(ctx, func(tx *store.Tx) error {
		sess, err := tx.Session(ctx, id, true)
		if err != nil {
			return err
		}
		switch sess.Status {
		case store.StatusRecording, store.StatusTranscribing, store.StatusRedacting, store.StatusDrafting:
		default:
			return nil
		}
		if sess.UpdatedAt >= cutoff {
			return nil // it moved since it was listed
		}
		all, err := tx.JobsOf(ctx, id)
		if err != nil {
			return err
		}
		for _, j := range all {
			if j.Active() && j.Kind != jobs.StagePurge {
				return nil // progressing
			}
		}
		stages, err := tx.Stages(ctx, id)
		if err != nil {
			return err
		}
		if stage, j, ok := stoppedJob(ctx, tx, sess, all, stages); ok {
			return r.failStopped(ctx, tx, sess, stage, j, &rep)
		}
		stage, n, err := resume(ctx, tx, sess, stageOf(sess.Status))
		if err != nil {
			return err
		}
		after, err := tx.Session(ctx, id, false)
		if err != nil {
			return err
		}
		switch {
		case after.Status != sess.Status:
			rep.What = "moved_to_" + after.Status
		case n > 0:
			rep.What = "requeued_" + stage
		default:
			return nil // nothing was missing (a call still recording, say)
		}
		rep.Jobs = n
		return tx.Audit(ctx, repairEvent(rep, map[string]string{"from": sess.Status, "to": after.Status, "stage": stage}))
	})
	if err != nil {
		return Repair{}, err
	}
	return rep, nil
}

// stoppedJob finds the job that would be queued again but whose latest
// run stopped for good after the stage was last set going: discarded (its
// attempts used up, typically by a process crashing each time) or
// cancelled. Queuing it again could crash-loop.
func stoppedJob(ctx context.Context, tx *store.Tx, sess store.Session, all []store.Job, stages []store.Stage) (string, store.Job, bool) {
	setAt := map[string]int64{}
	for _, st := range stages {
		setAt[fmt.Sprintf("%s/%d", st.Stage, st.ChunkID)] = st.UpdatedAt
	}
	latest := func(kind string, chunk int64) (store.Job, bool) {
		var last store.Job
		found := false
		for _, j := range all {
			if j.Kind == kind && j.ChunkID == chunk {
				last, found = j, true
			}
		}
		stopped := last.State == store.JobDiscarded || last.State == store.JobCancelled
		return last, found && stopped && last.FinalizedAt >= setAt[fmt.Sprintf("%s/%d", kind, chunk)]
	}
	switch sess.Status {
	case store.StatusRecording, store.StatusTranscribing:
		chunks, err := tx.Chunks(ctx, sess.ID)
		if err != nil {
			return "", store.Job{}, false
		}
		for _, c := range chunks {
			if c.State == store.StateDone {
				continue
			}
			if j, ok := latest(jobs.StageTranscribe, c.ID); ok {
				return jobs.StageTranscribe, j, true
			}
		}
	case store.StatusRedacting:
		if j, ok := latest(jobs.StageRedact, 0); ok {
			return jobs.StageRedact, j, true
		}
	case store.StatusDrafting:
		var last store.Job
		for _, j := range all {
			if j.Kind == jobs.StageDraft {
				last = j
			}
		}
		if last.Kind != "" && (last.State == store.JobDiscarded || last.State == store.JobCancelled) && last.FinalizedAt >= setAt[jobs.StageDraft+"/0"] {
			return jobs.StageDraft, last, true
		}
	}
	return "", store.Job{}, false
}

// failStopped fails a session whose job stopped for good, with a reason
// a person can act on.
func (r *Reconciler) failStopped(ctx context.Context, tx *store.Tx, sess store.Session, stage string, j store.Job, rep *Repair) error {
	what := map[string]string{jobs.StageTranscribe: fmt.Sprintf("transcription of chunk %d", j.ChunkID), jobs.StageRedact: "removing identifiers", jobs.StageDraft: "drafting"}[stage]
	reason := fmt.Sprintf("%s stopped after %d attempt(s) without finishing (its worker process was stopped or crashed each time); press Retry to try again", what, j.Attempt)
	if j.State == store.JobCancelled {
		reason = what + " was cancelled before it finished; press Retry to run it again"
	}
	if err := tx.SetStage(ctx, sess.ID, stage, j.ChunkID, store.StateFailed, j.Attempt, reason); err != nil {
		return err
	}
	if err := tx.FailSession(ctx, sess.ID, stage, reason); err != nil {
		return err
	}
	rep.What = "failed_stopped_job"
	return tx.Audit(ctx, repairEvent(*rep, map[string]string{"stage": stage, "job_state": j.State, "attempt": fmt.Sprint(j.Attempt)}))
}

// leases are each stage's job timeout plus leaseGrace, read from the
// workers themselves.
func leases(d Deps) map[string]time.Duration {
	return map[string]time.Duration{
		jobs.StageTranscribe: (&transcribe.Worker{JobTimeout: d.TranscribeTimeout}).Timeout(nil) + leaseGrace,
		jobs.StageRedact:     (&RedactWorker{}).Timeout(nil) + leaseGrace,
		jobs.StageDraft:      (&drafts.Worker{}).Timeout(nil) + leaseGrace,
	}
}
