package pipeline

import (
	"context"
	"errors"
	"fmt"

	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/jobs"
	"github.com/scribe-health/scribe/internal/store"
)

// Retried says what a press of Retry did.
type Retried struct {
	// Stage is the stage the session restarted at or, when the retry was
	// already under way, the stage it is at.
	Stage string
	// AlreadyUnderway: the session was no longer failed but moving on (an
	// earlier press, another tab or the reconciler restarted it); nothing
	// was changed.
	AlreadyUnderway bool
}

// NotRetryableError is Retry's answer for a session that is neither failed
// nor in progress (ready, scheduled, in a call): there is nothing to
// retry. Its message speaks to the person who pressed Retry.
type NotRetryableError struct{ Status string }

func (e *NotRetryableError) Error() string {
	switch e.Status {
	case store.StatusReady:
		return "the session's draft is ready; there is nothing to retry (regenerate the draft to get a new one)"
	case store.StatusScheduled, store.StatusInCall, store.StatusRecording:
		return "the session has not finished recording yet; there is nothing to retry"
	case store.StatusNoRecording:
		return "the session has no recording; there is nothing to retry"
	}
	return fmt.Sprintf("the session is %s; there is nothing to retry", e.Status)
}

// Retry is the one retry path: the web app's Retry button, `scribe session
// retry` and the reconciler all call it. It restarts a failed session at
// the stage that failed (after the cause — a provider, a BAA, a full disk
// — was put right), whatever finished, cancelled or discarded jobs the
// session already has; nothing already done is redone. It is idempotent:
// pressed again while the restarted run is under way it changes nothing
// and says so (AlreadyUnderway), so two presses make one run.
func Retry(ctx context.Context, s *store.Store, sessionID, actor string) (Retried, error) {
	var out Retried
	err := s.InTx(ctx, func(tx *store.Tx) error {
		sess, err := tx.Session(ctx, sessionID, true) // the lock orders concurrent presses
		if err != nil {
			return err
		}
		switch sess.Status {
		case store.StatusFailed:
		case store.StatusTranscribing, store.StatusRedacting, store.StatusDrafting:
			out = Retried{Stage: stageOf(sess.Status), AlreadyUnderway: true}
			return nil
		default:
			return &NotRetryableError{Status: sess.Status}
		}
		stage, _, err := resume(ctx, tx, sess, sess.FailedStage)
		if err != nil {
			return err
		}
		out.Stage = stage
		return tx.Audit(ctx, audit.Event{Actor: actor, Action: "session.retry", EntityType: "session", EntityID: sessionID,
			Details: map[string]string{"stage": stage, "failed_stage": sess.FailedStage}})
	})
	return out, err
}

// stageOf names the stage a session in progress is at.
func stageOf(status string) string {
	switch status {
	case store.StatusRedacting:
		return jobs.StageRedact
	case store.StatusDrafting:
		return jobs.StageDraft
	}
	return jobs.StageTranscribe
}

// resume moves a session forward from stage, skipping what is done, and
// makes sure the job that does the next piece of work is queued: chunks
// not transcribed yet (whatever stage was asked for), then redaction if
// there is no redacted transcript (or stage is redaction), then the
// draft if the latest draft was not made, else the session is ready. It
// is what a Retry and a reconciler repair both do; jobs already active are
// left alone (EnqueueNow). It returns the stage the session is now at and
// how many jobs it queued.
func resume(ctx context.Context, tx *store.Tx, sess store.Session, stage string) (string, int, error) {
	switch stage {
	case jobs.StageTranscribe, jobs.StageRedact, jobs.StageDraft:
	default:
		return "", 0, fmt.Errorf("session %s failed at an unknown stage %q; contact support with the session ID", sess.ID, stage)
	}
	chunks, err := tx.Chunks(ctx, sess.ID)
	if err != nil {
		return "", 0, err
	}
	pending := 0
	for _, c := range chunks {
		if c.State != store.StateDone {
			pending++
		}
	}
	if pending > 0 || !sess.CaptureEnded {
		// Back to transcription; a session failed mid-call goes back to
		// recording, as the call goes on. A session already transcribing
		// or recording keeps its status.
		status := sess.Status
		switch {
		case sess.Status == store.StatusFailed && !sess.CaptureEnded:
			status = store.StatusRecording
		case sess.Status == store.StatusFailed, sess.Status == store.StatusRedacting, sess.Status == store.StatusDrafting:
			status = store.StatusTranscribing
		}
		if sess.Status != status {
			if err := tx.SetSessionStatus(ctx, sess.ID, status); err != nil {
				return "", 0, err
			}
		}
		n, err := queueChunks(ctx, tx, sess.ID, chunks)
		return jobs.StageTranscribe, n, err
	}
	stages, err := tx.Stages(ctx, sess.ID)
	if err != nil {
		return "", 0, err
	}
	state := map[string]string{}
	for _, st := range stages {
		if st.Stage != jobs.StageTranscribe {
			state[st.Stage] = st.State
		}
	}
	_, terr := tx.Transcript(ctx, sess.ID)
	if terr != nil && !errors.Is(terr, store.ErrNotFound) {
		return "", 0, terr
	}
	if stage != jobs.StageDraft && (terr != nil || state[jobs.StageRedact] != store.StateDone || stage == jobs.StageRedact && sess.Status == store.StatusFailed) {
		n, err := queueRedact(ctx, tx, sess.ID)
		return jobs.StageRedact, n, err
	}
	if terr != nil {
		n, err := queueRedact(ctx, tx, sess.ID) // asked to draft, but nothing to draft from
		return jobs.StageRedact, n, err
	}
	if state[jobs.StageDraft] == store.StateDone {
		if _, err := tx.LatestDraft(ctx, sess.ID); err == nil {
			return jobs.StageDraft, 0, tx.SetSessionStatus(ctx, sess.ID, store.StatusReady)
		}
	}
	n, err := queueDraft(ctx, tx, sess.ID)
	return jobs.StageDraft, n, err
}

// queueChunks makes sure every chunk not yet transcribed has an active
// transcription job; it returns how many jobs it inserted.
func queueChunks(ctx context.Context, tx *store.Tx, sessionID string, chunks []store.Chunk) (int, error) {
	n := 0
	for _, c := range chunks {
		if c.State == store.StateDone {
			continue
		}
		if err := tx.SetStage(ctx, sessionID, jobs.StageTranscribe, c.ID, store.StatePending, 0, ""); err != nil {
			return n, err
		}
		inserted, err := tx.EnqueueNow(ctx, jobs.TranscribeChunkArgs{SessionID: sessionID, ChunkID: c.ID})
		if err != nil {
			return n, err
		}
		if inserted {
			n++
		}
	}
	return n, nil
}

// queueRedact moves a session to redaction with an active redact job.
func queueRedact(ctx context.Context, tx *store.Tx, sessionID string) (int, error) {
	if err := tx.SetSessionStatus(ctx, sessionID, store.StatusRedacting); err != nil {
		return 0, err
	}
	if err := tx.SetStage(ctx, sessionID, jobs.StageRedact, 0, store.StatePending, 0, ""); err != nil {
		return 0, err
	}
	return countInserted(tx.EnqueueNow(ctx, jobs.RedactArgs{SessionID: sessionID}))
}

func countInserted(inserted bool, err error) (int, error) {
	if inserted {
		return 1, err
	}
	return 0, err
}

// queueDraft moves a session to drafting with an active job for the next
// draft version (the failed or lost version was never stored).
func queueDraft(ctx context.Context, tx *store.Tx, sessionID string) (int, error) {
	version := 1
	if d, err := tx.LatestDraft(ctx, sessionID); err == nil {
		version = d.Version + 1
	} else if !errors.Is(err, store.ErrNotFound) {
		return 0, err
	}
	if err := tx.SetSessionStatus(ctx, sessionID, store.StatusDrafting); err != nil {
		return 0, err
	}
	if err := tx.SetStage(ctx, sessionID, jobs.StageDraft, 0, store.StatePending, 0, ""); err != nil {
		return 0, err
	}
	return countInserted(tx.EnqueueNow(ctx, jobs.DraftArgs{SessionID: sessionID, Version: version}))
}
