package pipeline

import (
	"context"
	"errors"
	"fmt"

	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/jobs"
	"github.com/scribe-health/scribe/internal/store"
)

// Retry restarts a failed session at the stage that failed (after the
// cause — a BAA, a provider, a template — was put right). Nothing already
// done is redone.
func Retry(ctx context.Context, s *store.Store, sessionID, actor string) (stage string, err error) {
	err = s.InTx(ctx, func(tx *store.Tx) error {
		sess, err := tx.Session(ctx, sessionID, true)
		if err != nil {
			return err
		}
		if sess.Status != store.StatusFailed {
			return fmt.Errorf("session %s is %s, not failed; only a failed session can be retried", sessionID, sess.Status)
		}
		stage = sess.FailedStage
		switch stage {
		case jobs.StageTranscribe:
			chunks, err := tx.Chunks(ctx, sessionID)
			if err != nil {
				return err
			}
			if err := tx.SetSessionStatus(ctx, sessionID, store.StatusTranscribing); err != nil {
				return err
			}
			n := 0
			for _, c := range chunks {
				if c.State == "done" {
					continue
				}
				n++
				if err := tx.SetStage(ctx, sessionID, jobs.StageTranscribe, c.ID, store.StatePending, 0, ""); err != nil {
					return err
				}
				if err := tx.EnqueueNew(ctx, jobs.TranscribeChunkArgs{SessionID: sessionID, ChunkID: c.ID}); err != nil {
					return err
				}
			}
			if n == 0 {
				// Every chunk is done: the failure was in moving on.
				return errors.New("no chunk is left to transcribe; contact support with the session ID")
			}
		case jobs.StageRedact:
			if err := tx.SetSessionStatus(ctx, sessionID, store.StatusRedacting); err != nil {
				return err
			}
			if err := tx.SetStage(ctx, sessionID, jobs.StageRedact, 0, store.StatePending, 0, ""); err != nil {
				return err
			}
			if err := tx.EnqueueNew(ctx, jobs.RedactArgs{SessionID: sessionID}); err != nil {
				return err
			}
		case jobs.StageDraft:
			version := 1
			if d, err := tx.LatestDraft(ctx, sessionID); err == nil {
				version = d.Version + 1
			} else if !errors.Is(err, store.ErrNotFound) {
				return err
			}
			if err := tx.SetSessionStatus(ctx, sessionID, store.StatusDrafting); err != nil {
				return err
			}
			if err := tx.SetStage(ctx, sessionID, jobs.StageDraft, 0, store.StatePending, 0, ""); err != nil {
				return err
			}
			if err := tx.EnqueueNew(ctx, jobs.DraftArgs{SessionID: sessionID, Version: version}); err != nil {
				return err
			}
		default:
			return fmt.Errorf("session %s failed at an unknown stage %q", sessionID, stage)
		}
		return tx.Audit(ctx, audit.Event{Actor: actor, Action: "session.retry", EntityType: "session", EntityID: sessionID, Details: map[string]string{"stage": stage}})
	})
	return stage, err
}
