// Package stagekit holds what every pipeline stage's River worker shares:
// how a stage records its state, how a permanent or final failure marks the
// session failed with a reason a person can act on, and the error type that
// says "retrying will not help". It imports the store, never a stage.
package stagekit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

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

// Permanent wraps err as a PermanentError.
func Permanent(err error) error {
	if err == nil {
		return nil
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

// Start records that a stage is running (attempt n).
func Start(ctx context.Context, s *store.Store, sessionID, stage string, chunkID int64, attempt int) error {
	return s.InTx(ctx, func(tx *store.Tx) error {
		return tx.SetStage(ctx, sessionID, stage, chunkID, store.StateRunning, attempt, "")
	})
}

// HandleError is called by a worker whose attempt failed. A permanent error
// or the last attempt marks the stage and the session failed (audited) and
// returns a cancel so River does not retry; otherwise the stage records the
// error and River retries with backoff.
func HandleError(ctx context.Context, s *store.Store, job *rivertype.JobRow, sessionID, stage string, chunkID int64, err error) error {
	final := IsPermanent(err) || job.Attempt >= job.MaxAttempts
	msg := err.Error()
	if !final {
		slog.Warn("stage attempt failed; will retry", "session", sessionID, "stage", stage, "chunk", chunkID, "attempt", job.Attempt, "max_attempts", job.MaxAttempts, "error", msg)
		if serr := s.InTx(ctx, func(tx *store.Tx) error {
			return tx.SetStage(ctx, sessionID, stage, chunkID, store.StateFailed, job.Attempt, msg+" (will retry)")
		}); serr != nil {
			slog.Error("record stage error", "session", sessionID, "error", serr)
		}
		return err
	}
	reason := msg
	if !IsPermanent(err) {
		reason = fmt.Sprintf("%s (gave up after %d attempts)", msg, job.Attempt)
	}
	slog.Error("stage failed", "session", sessionID, "stage", stage, "chunk", chunkID, "attempt", job.Attempt, "error", reason)
	ferr := s.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.SetStage(ctx, sessionID, stage, chunkID, store.StateFailed, job.Attempt, reason); err != nil {
			return err
		}
		if err := tx.FailSession(ctx, sessionID, stage, reason); err != nil {
			return err
		}
		return tx.Audit(ctx, audit.Event{Actor: "system", Action: "stage.failed", EntityType: "session", EntityID: sessionID, Outcome: "failure",
			Details: map[string]string{"stage": stage, "chunk_id": fmt.Sprint(chunkID), "attempt": fmt.Sprint(job.Attempt)}})
	})
	if ferr != nil {
		// Could not record the failure: let River retry so nothing is lost.
		return fmt.Errorf("%w; and recording the failure failed: %v", err, ferr)
	}
	return river.JobCancel(err)
}
