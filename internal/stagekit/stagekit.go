// Package stagekit holds what every pipeline stage's River worker shares:
// how a stage records its state, how a permanent or final failure marks the
// session failed with a reason a person can act on, and the error type that
// says "retrying will not help". It imports the store, never a stage.
package stagekit

import (
	"context"
	"errors"
	"fmt"
	"syscall"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/store"
)

// PermanentError marks a failure that retrying cannot fix (no BAA, a 4xx
// from the provider, corrupt audio). Its message must carry no PHI.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// Permanent wraps err as a PermanentError — unless err says the database
// could not be reached (a restart, a cut connection): that passes, and the
// attempt is retried like any other transient failure.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	if store.IsUnavailable(err) {
		return err
	}
	return &PermanentError{Err: err}
}

// Permanentf formats a PermanentError.
func Permanentf(format string, args ...any) error {
	return &PermanentError{Err: fmt.Errorf(format, args...)}
}

// IsPermanent reports whether err is (or wraps) a PermanentError.
func IsPermanent(err error) bool {
	var p *PermanentError
	return errors.As(err, &p)
}

// InSessionTx runs fn in a transaction that first locks the session's row.
// Every transaction that moves a session's pipeline state on takes that
// lock first — then stage rows, jobs, and the audit chain last — so that
// no two of them (a worker finishing a chunk, a Retry, the reconciler)
// can deadlock. A session that no longer exists is no error here.
func InSessionTx(ctx context.Context, s *store.Store, sessionID string, fn func(tx *store.Tx) error) error {
	return s.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Session(ctx, sessionID, true); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		return fn(tx)
	})
}

// Start records that a stage is running (attempt n).
func Start(ctx context.Context, s *store.Store, sessionID, stage string, chunkID int64, attempt int) error {
	return s.InTx(ctx, func(tx *store.Tx) error {
		return tx.SetStage(ctx, sessionID, stage, chunkID, store.StateRunning, attempt, "")
	})
}

// SkipIfFailed is called by a worker whose session was already failed by
// another job (a sibling chunk, an earlier stage). Under the session's lock
// it re-reads the session: if it is still failed, the job's stage row says
// it was not run and the job is finished in the same transaction, so that
// a Retry pressed at any moment finds no job of the session still active
// and re-enqueues this one; skipped is then true and the worker returns
// nil. If the session was retried in the meantime, skipped is false and
// the worker goes on with its work.
func SkipIfFailed(ctx context.Context, s *store.Store, job *rivertype.JobRow, sessionID, stage string, chunkID int64) (skipped bool, err error) {
	err = s.InTx(ctx, func(tx *store.Tx) error {
		sess, err := tx.Session(ctx, sessionID, true)
		if err != nil {
			return err
		}
		if sess.Status != store.StatusFailed {
			return nil
		}
		skipped = true
		if err := tx.SetStage(ctx, sessionID, stage, chunkID, store.StateFailed, job.Attempt-1, NotRunReason); err != nil {
			return err
		}
		return tx.FinishJob(ctx, job.ID, store.JobCompleted, "")
	})
	return skipped, err
}

// NotRunReason is the stage error of a job that did not run because its
// session had already failed; Retry runs it.
const NotRunReason = "not run: the session had already failed"

// HandleError is called by a worker whose attempt failed. A permanent error
// or the last attempt marks the stage and the session failed (audited) and
// cancels the job in the same transaction, so River does not retry it and
// a Retry finds nothing of the session still active; otherwise the stage
// records the error and River retries with backoff.
func HandleError(ctx context.Context, s *store.Store, job *rivertype.JobRow, sessionID, stage string, chunkID int64, err error) error {
	// The attempt's context may be what ended it (its timeout): the
	// outcome is still recorded.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	final := IsPermanent(err) || job.Attempt >= job.MaxAttempts
	msg := Explain(err)
	if !final {
		s.Logger().Warn("stage attempt failed; will retry", "session_id", sessionID, "stage", stage, "chunk", chunkID, "attempt", job.Attempt, "max_attempts", job.MaxAttempts, "error", err.Error())
		if serr := s.InTx(ctx, func(tx *store.Tx) error {
			return tx.SetStage(ctx, sessionID, stage, chunkID, store.StateFailed, job.Attempt, msg+" (will retry)")
		}); serr != nil {
			s.Logger().Error("record stage error", "session_id", sessionID, "error", serr)
		}
		return err
	}
	reason := msg
	if !IsPermanent(err) {
		reason = fmt.Sprintf("%s (gave up after %d attempts)", msg, job.Attempt)
	}
	s.Logger().Error("stage failed", "session_id", sessionID, "stage", stage, "chunk", chunkID, "attempt", job.Attempt, "error", err.Error())
	ferr := InSessionTx(ctx, s, sessionID, func(tx *store.Tx) error {
		if err := tx.SetStage(ctx, sessionID, stage, chunkID, store.StateFailed, job.Attempt, reason); err != nil {
			return err
		}
		if err := tx.FailSession(ctx, sessionID, stage, reason); err != nil {
			return err
		}
		if err := tx.Audit(ctx, audit.Event{Actor: "system", Action: "stage.failed", EntityType: "session", EntityID: sessionID, Outcome: "failure",
			Details: map[string]string{"stage": stage, "chunk_id": fmt.Sprint(chunkID), "attempt": fmt.Sprint(job.Attempt)}}); err != nil {
			return err
		}
		return tx.FinishJob(ctx, job.ID, store.JobCancelled, reason)
	})
	if ferr != nil {
		// Could not record the failure: let River retry so nothing is lost.
		return fmt.Errorf("%w; and recording the failure failed: %v", err, ferr)
	}
	return river.JobCancel(err)
}

// Explain turns an error into the reason a person reads on the session
// page: storage faults say what to do; anything else is its own message
// (which must carry no PHI).
func Explain(err error) string {
	switch {
	case errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) || store.IsStorageFull(err):
		return "the server's storage is full, so the result could not be saved (nothing was half-written); free disk space or ask the administrator to, then press Retry (" + err.Error() + ")"
	case errors.Is(err, syscall.EROFS):
		return "the server's storage is read-only, so the result could not be saved; ask the administrator to fix the disk, then press Retry (" + err.Error() + ")"
	case store.IsUnavailable(err):
		return "the database could not be reached, so the result could not be saved (nothing was half-written); once it is back, press Retry (" + err.Error() + ")"
	}
	return err.Error()
}

// AlreadyDone reports whether the stage's work for this session (and
// chunk) is already recorded as done. A job whose transaction committed
// but whose completion River never recorded (the process was killed in
// between) is taken back and run again; it must then change nothing.
// Whoever wants the stage run again (Retry, the reconciler, regenerate)
// marks it pending in the transaction that enqueues the job, so a done
// stage at the start of a job means this job's work is finished.
func AlreadyDone(ctx context.Context, s *store.Store, sessionID, stage string, chunkID int64) (bool, error) {
	stages, err := s.Stages(ctx, sessionID)
	if err != nil {
		return false, err
	}
	for _, st := range stages {
		if st.Stage == stage && st.ChunkID == chunkID {
			return st.State == store.StateDone, nil
		}
	}
	return false, nil
}
