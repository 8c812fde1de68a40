// Package retention owns how long Scribe keeps what it records: the
// purge_audio River worker that deletes a chunk's audio once its
// transcription succeeded (default on), and the sweep that applies the
// organisation's policy by age (audio_days, transcript_days). A session on
// legal hold is never purged. Every purge is verified (the object is gone)
// and audited. Drafts and signed notes are the clinical record and are kept.
package retention

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/blob"
	"github.com/scribe-health/scribe/internal/jobs"
	"github.com/scribe-health/scribe/internal/store"
)

// ErrLegalHold is returned when a purge meets a session on legal hold.
var ErrLegalHold = errors.New("session is on legal hold; nothing was purged")

// Reasons a purge runs, recorded in the audit entry.
const (
	ReasonAfterTranscription = "after_transcription"
	ReasonAge                = "retention_age"
)

// Result says what a purge did.
type Result struct {
	Chunks  int  // audio objects deleted
	Skipped bool // the policy turned after-transcription purges off
}

// PurgeAudio deletes the audio of a session's chunks (chunkID 0: all of
// them) and records each as purged. With reason after_transcription only
// chunks whose transcription is done are touched, and nothing happens when
// the policy turned that purge off; with reason retention_age every chunk is.
// Each deletion is verified before it is recorded; the whole purge is
// audited in the transaction that records it.
func PurgeAudio(ctx context.Context, st *store.Store, blobs blob.Store, sessionID string, chunkID int64, reason string) (Result, error) {
	var res Result
	if reason == ReasonAfterTranscription {
		p, err := st.RetentionPolicy(ctx)
		if err != nil {
			return res, err
		}
		if !p.PurgeAudioAfterTranscription {
			res.Skipped = true
			return res, nil
		}
	}
	hold, _, err := st.LegalHold(ctx, sessionID)
	if err != nil {
		return res, err
	}
	if hold {
		if err := st.Audit(ctx, audit.Event{Actor: "system", Action: "audio.purge", EntityType: "session", EntityID: sessionID, Outcome: "failure",
			Details: map[string]string{"refused": "legal_hold", "reason": reason, "chunk_id": fmt.Sprint(chunkID)}}); err != nil {
			return res, err
		}
		return res, fmt.Errorf("session %s: %w", sessionID, ErrLegalHold)
	}
	chunks, err := st.Chunks(ctx, sessionID)
	if err != nil {
		return res, err
	}
	var purged []int64
	for _, c := range chunks {
		if (chunkID != 0 && c.ID != chunkID) || c.AudioPurged {
			continue
		}
		if reason == ReasonAfterTranscription && c.State != "done" {
			continue
		}
		if err := blobs.Delete(ctx, c.AudioBlob); err != nil {
			return res, fmt.Errorf("delete audio of chunk %d: %w", c.ID, err)
		}
		if ok, err := blobs.Exists(ctx, c.AudioBlob); err != nil || ok {
			return res, fmt.Errorf("audio of chunk %d is still stored after deletion (exists=%v): %w", c.ID, ok, err)
		}
		purged = append(purged, c.ID)
	}
	if len(purged) == 0 {
		return res, nil
	}
	err = st.InTx(ctx, func(tx *store.Tx) error {
		// A hold placed while the objects were being deleted still wins for
		// the record: the audit shows exactly what happened.
		for _, id := range purged {
			if err := tx.MarkChunkAudioPurged(ctx, id); err != nil {
				return err
			}
		}
		return tx.Audit(ctx, audit.Event{Actor: "system", Action: "audio.purge", EntityType: "session", EntityID: sessionID,
			Details: map[string]string{"chunks": fmt.Sprint(len(purged)), "reason": reason, "verified_gone": "true"}})
	})
	if err != nil {
		return res, err
	}
	res.Chunks = len(purged)
	st.Logger().Info("audio purged", "session_id", sessionID, "chunks", len(purged), "reason", reason)
	return res, nil
}

// Worker is the purge_audio River worker.
type Worker struct {
	river.WorkerDefaults[jobs.PurgeAudioArgs]
	Store *store.Store
	Blobs blob.Store
}

// Work purges the audio of a transcribed chunk. A legal hold cancels the
// job (it is not retried; the sweep purges once the hold is lifted).
func (w *Worker) Work(ctx context.Context, job *river.Job[jobs.PurgeAudioArgs]) error {
	_, err := PurgeAudio(ctx, w.Store, w.Blobs, job.Args.SessionID, job.Args.ChunkID, ReasonAfterTranscription)
	if errors.Is(err, ErrLegalHold) || errors.Is(err, store.ErrNotFound) {
		return river.JobCancel(err)
	}
	return err
}

// SweepResult counts what a sweep purged.
type SweepResult struct {
	AudioSessions      int
	AudioChunks        int
	TranscriptSessions int
	Held               int
}

// Sweep applies the policy by age at now: audio of sessions older than
// audio_days and transcripts (chunk transcripts, the redacted transcript
// and the identifier map) of sessions older than transcript_days. Sessions
// on legal hold are left alone.
func Sweep(ctx context.Context, st *store.Store, blobs blob.Store, now time.Time) (SweepResult, error) {
	var r SweepResult
	p, err := st.RetentionPolicy(ctx)
	if err != nil {
		return r, err
	}
	if p.AudioDays > 0 {
		cands, err := st.SessionsWithAudioBefore(ctx, now.AddDate(0, 0, -p.AudioDays).UnixMilli())
		if err != nil {
			return r, err
		}
		for _, c := range cands {
			res, err := PurgeAudio(ctx, st, blobs, c.SessionID, 0, ReasonAge)
			if errors.Is(err, ErrLegalHold) {
				r.Held++
				continue
			}
			if err != nil {
				return r, err
			}
			r.AudioSessions++
			r.AudioChunks += res.Chunks
		}
	}
	if p.TranscriptDays > 0 {
		cands, err := st.SessionsWithTranscriptBefore(ctx, now.AddDate(0, 0, -p.TranscriptDays).UnixMilli())
		if err != nil {
			return r, err
		}
		for _, c := range cands {
			if err := PurgeTranscript(ctx, st, blobs, c.SessionID); err != nil {
				if errors.Is(err, ErrLegalHold) {
					r.Held++
					continue
				}
				return r, err
			}
			r.TranscriptSessions++
		}
	}
	return r, nil
}

// PurgeTranscript deletes a session's chunk transcripts, redacted
// transcript and identifier map, verifies they are gone and records it.
func PurgeTranscript(ctx context.Context, st *store.Store, blobs blob.Store, sessionID string) error {
	hold, _, err := st.LegalHold(ctx, sessionID)
	if err != nil {
		return err
	}
	if hold {
		return fmt.Errorf("session %s: %w", sessionID, ErrLegalHold)
	}
	tr, err := st.Transcript(ctx, sessionID)
	if err != nil {
		return err
	}
	chunks, err := st.Chunks(ctx, sessionID)
	if err != nil {
		return err
	}
	ids := []string{tr.RedactedBlob, tr.MapBlob}
	for _, c := range chunks {
		if c.TranscriptBlob != "" {
			ids = append(ids, c.TranscriptBlob)
		}
	}
	for _, id := range ids {
		if id == "" {
			continue
		}
		if err := blobs.Delete(ctx, id); err != nil {
			return fmt.Errorf("delete transcript object: %w", err)
		}
		if ok, err := blobs.Exists(ctx, id); err != nil || ok {
			return fmt.Errorf("a transcript object of session %s is still stored after deletion (exists=%v): %w", sessionID, ok, err)
		}
	}
	return st.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.MarkTranscriptPurged(ctx, sessionID); err != nil {
			return err
		}
		return tx.Audit(ctx, audit.Event{Actor: "system", Action: "transcript.purge", EntityType: "session", EntityID: sessionID,
			Details: map[string]string{"objects": fmt.Sprint(len(ids)), "reason": ReasonAge, "verified_gone": "true"}})
	})
}

// SweepWorker runs Sweep as a River job; serve schedules it hourly.
type SweepWorker struct {
	river.WorkerDefaults[jobs.RetentionSweepArgs]
	Store *store.Store
	Blobs blob.Store
	Now   func() time.Time
}

func (w *SweepWorker) Work(ctx context.Context, job *river.Job[jobs.RetentionSweepArgs]) error {
	now := time.Now()
	if w.Now != nil {
		now = w.Now()
	}
	r, err := Sweep(ctx, w.Store, w.Blobs, now)
	if err != nil {
		return err
	}
	w.Store.Logger().Info("retention sweep", "audio_sessions", r.AudioSessions, "audio_chunks", r.AudioChunks, "transcript_sessions", r.TranscriptSessions, "held", r.Held)
	return nil
}

// Periodic is the hourly sweep schedule for the River client.
func Periodic() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(time.Hour), func() (river.JobArgs, *river.InsertOpts) {
		return jobs.RetentionSweepArgs{}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: time.Hour}}
	}, &river.PeriodicJobOpts{RunOnStart: true})
}
