package store

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// What the store knows about River's jobs beyond inserting them: which
// jobs a session has, finishing a job in the transaction that records its
// outcome, and rescuing the running jobs of a worker process that is gone
// (heartbeats.go). The SQL reads and writes River's river_job table
// directly, the way River's own rescuer does, once per dialect.

// Job states, as River names them.
const (
	JobAvailable = string(rivertype.JobStateAvailable)
	JobPending   = string(rivertype.JobStatePending)
	JobRetryable = string(rivertype.JobStateRetryable)
	JobRunning   = string(rivertype.JobStateRunning)
	JobScheduled = string(rivertype.JobStateScheduled)
	JobCompleted = string(rivertype.JobStateCompleted)
	JobCancelled = string(rivertype.JobStateCancelled)
	JobDiscarded = string(rivertype.JobStateDiscarded)
)

// activeStates are the states of a job that will still run (or is
// running). Uniqueness is enforced over these only: a completed, cancelled
// or discarded job never blocks the same job from being enqueued again (a
// retry after a failure, a repair after a lost enqueue). River requires
// available, pending, running and scheduled in any ByState list.
var activeStates = []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRetryable, rivertype.JobStateRunning, rivertype.JobStateScheduled}

// UniqueWhileActive is the unique option of every pipeline job: one active
// job per kind and unique arguments.
func UniqueWhileActive() river.UniqueOpts {
	return river.UniqueOpts{ByArgs: true, ByState: activeStates}
}

// JobActive reports whether a job in this state will still run.
func JobActive(state string) bool {
	for _, s := range activeStates {
		if string(s) == state {
			return true
		}
	}
	return false
}

// Job is one River job of a session, as the reconciler and tests see it.
type Job struct {
	ID          int64
	Kind        string
	State       string
	ChunkID     int64 // transcribe_chunk jobs
	Version     int   // draft jobs
	Attempt     int
	MaxAttempts int
	AttemptedBy string // the River client of the latest attempt
	CreatedAt   int64  // ms
	AttemptedAt int64  // ms; 0 before the first attempt
	FinalizedAt int64  // ms; 0 while active
}

// Active reports whether the job will still run.
func (j Job) Active() bool { return JobActive(j.State) }

func (s *Store) jobsOfSQL() string {
	if s.dialect == Postgres {
		return `SELECT id, kind, state::text, COALESCE((args->>'chunk_id')::bigint, 0), COALESCE((args->>'version')::int, 0), attempt, max_attempts,
			COALESCE(attempted_by[array_length(attempted_by, 1)], ''), (EXTRACT(EPOCH FROM created_at) * 1000)::bigint,
			COALESCE((EXTRACT(EPOCH FROM attempted_at) * 1000)::bigint, 0), COALESCE((EXTRACT(EPOCH FROM finalized_at) * 1000)::bigint, 0)
			FROM river_job WHERE args->>'session_id' = $1 ORDER BY id`
	}
	return `SELECT id, kind, state, COALESCE(json_extract(args, '$.chunk_id'), 0), COALESCE(json_extract(args, '$.version'), 0), attempt, max_attempts,
		COALESCE(json_extract(attempted_by, '$[#-1]'), ''), ` + sqliteMS("created_at") + `,
		COALESCE(` + sqliteMS("attempted_at") + `, 0), COALESCE(` + sqliteMS("finalized_at") + `, 0)
		FROM river_job WHERE json_extract(args, '$.session_id') = $1 ORDER BY id`
}

// sqliteMS converts one of River's SQLite timestamps (UTC text) to Unix ms.
func sqliteMS(col string) string {
	return `CAST(ROUND((julianday(` + col + `) - 2440587.5) * 86400000) AS INTEGER)`
}

func scanJob(r rows) (Job, error) {
	var j Job
	err := r.Scan(&j.ID, &j.Kind, &j.State, &j.ChunkID, &j.Version, &j.Attempt, &j.MaxAttempts, &j.AttemptedBy, &j.CreatedAt, &j.AttemptedAt, &j.FinalizedAt)
	return j, err
}

// JobsOf lists every job (of any state River still keeps) whose arguments
// name the session, oldest first.
func (s *Store) JobsOf(ctx context.Context, sessionID string) ([]Job, error) {
	return collect(ctx, s.conn, scanJob, s.jobsOfSQL(), sessionID)
}

// JobsOf is JobsOf inside the transaction.
func (tx *Tx) JobsOf(ctx context.Context, sessionID string) ([]Job, error) {
	return collect(ctx, tx.q, scanJob, tx.s.jobsOfSQL(), sessionID)
}

// EnqueueNow is Enqueue for a job that must run now, with its full number
// of attempts (a retry or a repair). If the same job is running, or queued
// and never attempted, it is left to run and nothing is inserted. If it is
// waiting to run again (retryable, scheduled, or queued after attempts
// that failed or were interrupted), it belongs to the run being replaced
// and has used up attempts of it: it is cancelled and a fresh job takes
// its place. inserted reports whether a new job was inserted.
func (tx *Tx) EnqueueNow(ctx context.Context, args river.JobArgs) (inserted bool, err error) {
	tx.s.mu.Lock()
	ins := tx.s.insertTx
	tx.s.mu.Unlock()
	opts := &river.InsertOpts{UniqueOpts: UniqueWhileActive()}
	res, err := ins(ctx, tx.rawTx, args, opts)
	if err != nil {
		return false, fmt.Errorf("enqueue %s: %w", args.Kind(), err)
	}
	if !res.UniqueSkippedAsDuplicate {
		return true, nil
	}
	j := res.Job
	if j.State == rivertype.JobStateRunning || j.State == rivertype.JobStateAvailable && j.Attempt == 0 {
		return false, nil
	}
	q := `UPDATE river_job SET state = 'cancelled', finalized_at = now() WHERE id = $1 AND state IN ('available', 'pending', 'retryable', 'scheduled')`
	if tx.s.dialect == SQLite {
		q = `UPDATE river_job SET state = 'cancelled', finalized_at = $2 WHERE id = $1 AND state IN ('available', 'pending', 'retryable', 'scheduled')`
	}
	n, err := tx.q.exec(ctx, q, tx.s.jobTimeArgs(j.ID)...)
	if err != nil {
		return false, fmt.Errorf("replace job %d: %w", j.ID, err)
	}
	if n == 0 {
		return false, nil // just taken by a worker: it runs
	}
	res, err = ins(ctx, tx.rawTx, args, opts)
	if err != nil {
		return false, fmt.Errorf("enqueue %s: %w", args.Kind(), err)
	}
	return !res.UniqueSkippedAsDuplicate, nil
}

// jobTimeArgs appends River's current-time argument for SQLite statements
// (PostgreSQL uses now()).
func (s *Store) jobTimeArgs(args ...any) []any {
	if s.dialect == SQLite {
		return append(args, riverSQLiteTime(time.Now()))
	}
	return args
}

// riverSQLiteTime formats a time the way River's SQLite driver stores it;
// any other format compares wrongly.
func riverSQLiteTime(t time.Time) string {
	return t.UTC().Round(time.Millisecond).Format("2006-01-02 15:04:05.000")
}

// FinishJob finalizes a running job inside this transaction, so that the
// outcome a stage records (done, skipped, failed for good) and the end of
// its job commit together: no moment exists at which the session says
// "failed" while its job still counts as active. state is JobCompleted or
// JobCancelled; errMsg, when not empty, is added to the job's errors. The
// worker then returns as usual; River leaves a job that is no longer
// running as it is.
func (tx *Tx) FinishJob(ctx context.Context, jobID int64, state, errMsg string) error {
	if state != JobCompleted && state != JobCancelled {
		return fmt.Errorf("finish job %d: state %q is not completed or cancelled", jobID, state)
	}
	var q string
	var args []any
	if tx.s.dialect == Postgres {
		q = `UPDATE river_job SET state = $2::river_job_state, finalized_at = now(),
			errors = CASE WHEN $3::text = '' THEN errors ELSE array_append(errors, jsonb_build_object('at', now(), 'attempt', attempt, 'error', $3::text, 'trace', '')) END
			WHERE id = $1 AND state = 'running'`
		args = []any{jobID, state, errMsg}
	} else {
		now := time.Now()
		q = `UPDATE river_job SET state = $2, finalized_at = $4,
			errors = CASE WHEN $3 = '' THEN errors ELSE jsonb(json_insert(json(coalesce(errors, jsonb('[]'))), '$[#]', json_object('at', $5, 'attempt', attempt, 'error', $3, 'trace', ''))) END
			WHERE id = $1 AND state = 'running'`
		args = []any{jobID, state, errMsg, riverSQLiteTime(now), now.UTC().Format(time.RFC3339Nano)}
	}
	if _, err := tx.q.exec(ctx, q, args...); err != nil {
		return fmt.Errorf("finish job %d: %w", jobID, err)
	}
	return nil
}

// RescuedJob is a running job moved back to the queue because the process
// running it is gone or it ran past its lease.
type RescuedJob struct {
	ID        int64
	Kind      string
	SessionID string
	Attempt   int
	State     string // available, or discarded when it had no attempt left
	Client    string // the River client that was running it
}

// rescueRunning moves running jobs matching where (an SQL condition on
// river_job, with $1… bound to whereArgs) back to available — or to
// discarded when their attempts are used up, as River's own rescuer does —
// with reason added to their errors. It is idempotent and safe to run from
// several processes at once: only jobs still running are touched.
func (s *Store) rescueRunning(ctx context.Context, where string, whereArgs []any, reason string) ([]RescuedJob, error) {
	n := len(whereArgs)
	var q string
	args := append([]any{}, whereArgs...)
	if s.dialect == Postgres {
		q = fmt.Sprintf(`UPDATE river_job SET
			state = (CASE WHEN attempt >= max_attempts THEN 'discarded' ELSE 'available' END)::river_job_state,
			finalized_at = CASE WHEN attempt >= max_attempts THEN now() ELSE NULL END,
			scheduled_at = now(),
			errors = array_append(errors, jsonb_build_object('at', now(), 'attempt', attempt, 'error', $%d::text, 'trace', ''))
			WHERE state = 'running' AND (%s)
			RETURNING id, kind, COALESCE(args->>'session_id', ''), attempt, state::text, COALESCE(attempted_by[array_length(attempted_by, 1)], '')`, n+1, where)
		args = append(args, reason)
	} else {
		now := time.Now()
		q = fmt.Sprintf(`UPDATE river_job SET
			state = CASE WHEN attempt >= max_attempts THEN 'discarded' ELSE 'available' END,
			finalized_at = CASE WHEN attempt >= max_attempts THEN $%[1]d ELSE NULL END,
			scheduled_at = $%[1]d,
			errors = jsonb(json_insert(json(coalesce(errors, jsonb('[]'))), '$[#]', json_object('at', $%[2]d, 'attempt', attempt, 'error', $%[3]d, 'trace', '')))
			WHERE state = 'running' AND (%[4]s)
			RETURNING id, kind, COALESCE(json_extract(args, '$.session_id'), ''), attempt, state, COALESCE(json_extract(attempted_by, '$[#-1]'), '')`, n+1, n+2, n+3, where)
		args = append(args, riverSQLiteTime(now), now.UTC().Format(time.RFC3339Nano), reason)
	}
	return collect(ctx, s.conn, func(r rows) (j RescuedJob, err error) {
		err = r.Scan(&j.ID, &j.Kind, &j.SessionID, &j.Attempt, &j.State, &j.Client)
		return j, err
	}, q, args...)
}

// RescueExpiredLeases moves back to the queue the running jobs of a kind
// whose attempt started longer ago than lease: the kind's timeout (after
// which River's executor cancels the attempt) plus a grace period. Such a
// job belongs to a process that lost track of it (its outcome could not
// be written) even though the process itself is alive.
func (s *Store) RescueExpiredLeases(ctx context.Context, kind string, lease time.Duration) ([]RescuedJob, error) {
	cutoff := time.Now().Add(-lease)
	where := `kind = $1 AND attempted_at < $2`
	var at any = cutoff
	if s.dialect == SQLite {
		at = riverSQLiteTime(cutoff)
	}
	return s.rescueRunning(ctx, where, []any{kind, at}, fmt.Sprintf("the attempt ran past its lease (%s) and was taken back by the reconciler", lease))
}

// StalledSessions lists sessions in progress (recording, transcribing,
// redacting, drafting) about which nothing has changed since beforeMS —
// neither the session row nor any of its stage rows — oldest first, at
// most limit. The reconciler checks these against their jobs.
func (s *Store) StalledSessions(ctx context.Context, beforeMS int64, limit int) ([]string, error) {
	return collect(ctx, s.conn, func(r rows) (id string, err error) {
		err = r.Scan(&id)
		return id, err
	}, `SELECT id FROM sessions s WHERE status IN ('recording', 'transcribing', 'redacting', 'drafting') AND updated_at < $1
		AND NOT EXISTS (SELECT 1 FROM stages st WHERE st.session_id = s.id AND st.updated_at >= $1)
		ORDER BY updated_at LIMIT $2`, beforeMS, limit)
}
