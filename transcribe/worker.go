package transcribe

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/go-audio/wav"
	"github.com/riverqueue/river"

	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/blob"
	"github.com/scribe-health/scribe/internal/compliance"
	"github.com/scribe-health/scribe/internal/jobs"
	"github.com/scribe-health/scribe/internal/metrics"
	"github.com/scribe-health/scribe/internal/modelcall"
	"github.com/scribe-health/scribe/internal/stagekit"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/transcript"
)

// Worker is the transcribe_chunk stage.
type Worker struct {
	river.WorkerDefaults[jobs.TranscribeChunkArgs]
	Store *store.Store
	Blobs blob.Store
	// New makes a Transcriber for a provider; nil means NewOpenAI with Policy.
	New func(store.Provider) (Transcriber, error)
	// Policy is how calls to the provider retry (zero: modelcall's defaults).
	Policy modelcall.Policy
	Now    func() time.Time
	// JobTimeout bounds one chunk's transcription; default 5 minutes. A job
	// running longer than this is taken to be orphaned by a crashed process
	// and is rescued.
	JobTimeout time.Duration
}

// Timeout bounds one chunk's transcription call.
func (w *Worker) Timeout(*river.Job[jobs.TranscribeChunkArgs]) time.Duration {
	if w.JobTimeout > 0 {
		return w.JobTimeout
	}
	return 5 * time.Minute
}

// ChunkTranscriptBlob is where a chunk's segments are stored.
func ChunkTranscriptBlob(sessionID string, chunkID int64) string {
	return fmt.Sprintf("sessions/%s/transcripts/chunk-%d.json", sessionID, chunkID)
}

// Work transcribes one chunk; when it is the last chunk of a session whose
// capture has ended, the redact job is enqueued in the same transaction.
func (w *Worker) Work(ctx context.Context, job *river.Job[jobs.TranscribeChunkArgs]) error {
	a := job.Args
	err := w.work(ctx, job)
	if err != nil {
		return stagekit.HandleError(ctx, w.Store, job.JobRow, a.SessionID, jobs.StageTranscribe, a.ChunkID, err)
	}
	return nil
}

func (w *Worker) now() time.Time {
	if w.Now != nil {
		return w.Now()
	}
	return time.Now()
}

func (w *Worker) work(ctx context.Context, job *river.Job[jobs.TranscribeChunkArgs]) error {
	a := job.Args
	sess, err := w.Store.Session(ctx, a.SessionID)
	if err != nil {
		return stagekit.Permanent(err)
	}
	if sess.Status == store.StatusFailed {
		// Another chunk or stage already failed the session: record that
		// this one did not run (Retry runs it), unless it was just retried.
		if skipped, err := stagekit.SkipIfFailed(ctx, w.Store, job.JobRow, a.SessionID, jobs.StageTranscribe, a.ChunkID); skipped || err != nil {
			return err
		}
	}
	chunk, err := w.Store.Chunk(ctx, a.ChunkID)
	if errors.Is(err, store.ErrNotFound) {
		return nil // purged after consent was revoked: nothing to transcribe
	}
	if err != nil {
		return err
	}
	if chunk.State == "done" {
		return w.advance(ctx, a.SessionID, chunk.ID, job.Attempt, false)
	}
	if err := stagekit.Start(ctx, w.Store, a.SessionID, jobs.StageTranscribe, chunk.ID, job.Attempt); err != nil {
		return err
	}
	if _, err := compliance.CheckStage(ctx, w.Store, a.SessionID, compliance.StageTranscribe); err != nil {
		return stagekit.Permanent(err)
	}
	prov, err := w.Store.ProviderFor(ctx, "transcription")
	if err != nil {
		return stagekit.Permanent(err)
	}
	if err := prov.CheckSend(w.now(), sess.Part2()); err != nil {
		_ = w.Store.Audit(ctx, audit.Event{Actor: "system", Action: "provider.call", EntityType: "session", EntityID: a.SessionID, Outcome: "failure",
			Details: map[string]string{"provider": prov.Name, "use": "transcription", "chunk_id": fmt.Sprint(chunk.ID), "refused": "baa_gate", "part2": fmt.Sprint(sess.Part2())}})
		return stagekit.Permanent(err)
	}
	audio, err := w.Blobs.Get(ctx, chunk.AudioBlob)
	if err != nil {
		if errors.Is(err, blob.ErrCorrupt) || errors.Is(err, blob.ErrNotFound) {
			return stagekit.Permanentf("audio chunk %d cannot be read (%v); re-ingest the recording", chunk.ID, err)
		}
		return err
	}
	newT := w.New
	if newT == nil {
		newT = func(p store.Provider) (Transcriber, error) { return NewOpenAI(p, w.Policy) }
	}
	tr, err := newT(prov)
	if err != nil {
		return err
	}
	consent := "attested"
	if sess.ConsentAttestedBy == "" && sess.Source == "ingest" {
		consent = "not_on_file"
	}
	if sess.Source == store.SourceCall {
		consent = "recorded_in_call"
	}
	if sess.Dictation() {
		consent = "not_required_clinician_only"
	}
	if err := w.Store.InTx(ctx, func(tx *store.Tx) error {
		_, _, err := compliance.RecordDisclosure(ctx, tx, a.SessionID, compliance.Disclosure{Kind: compliance.KindModelCall, Recipient: "model provider " + prov.Name,
			Description: fmt.Sprintf("audio chunk %d for transcription", chunk.ID), Purpose: "health care operations: clinical documentation", Actor: "system"})
		return err
	}); err != nil {
		return err
	}
	started := time.Now()
	pieces, callErr := tr.Transcribe(ctx, audio)
	details := map[string]string{"provider": prov.Name, "model": prov.Model, "use": "transcription", "chunk_id": fmt.Sprint(chunk.ID),
		"sent": fmt.Sprintf("audio chunk (%d bytes WAV)", len(audio)), "consent": consent, "part2": fmt.Sprint(sess.Part2()),
		"latency_ms": fmt.Sprint(time.Since(started).Milliseconds()), "attempt": fmt.Sprint(job.Attempt)}
	if callErr != nil {
		details["error"] = "see stage error"
		if k := modelcall.KindOf(callErr); k != "" {
			details["error"], details["status"] = string(k), fmt.Sprint(modelcall.StatusCode(callErr))
		}
		_ = w.Store.Audit(ctx, audit.Event{Actor: "system", Action: "provider.call", EntityType: "session", EntityID: a.SessionID, Outcome: "failure", Details: details})
		if modelcall.IsPermanent(callErr) {
			return stagekit.Permanent(callErr)
		}
		return callErr
	}
	segs := Stitch(chunk, pieces, durationMS(audio))
	body, err := json.Marshal(segs)
	if err != nil {
		return err
	}
	blobID := ChunkTranscriptBlob(a.SessionID, chunk.ID)
	if err := w.Blobs.Put(ctx, blobID, body); err != nil {
		return fmt.Errorf("store chunk transcript: %w", err)
	}
	details["segments"] = fmt.Sprint(len(segs))
	purged := false
	err = stagekit.InSessionTx(ctx, w.Store, a.SessionID, func(tx *store.Tx) error {
		if err := tx.Audit(ctx, audit.Event{Actor: "system", Action: "provider.call", EntityType: "session", EntityID: a.SessionID, Details: details}); err != nil {
			return err
		}
		// Consent may have been revoked (and the chunk purged) while the
		// provider was working: then keep nothing of its answer.
		found, err := tx.CompleteChunk(ctx, chunk.ID, blobID)
		if err != nil {
			return err
		}
		if purged = !found; purged {
			return nil
		}
		// Retention: the audio is deleted once its transcript is stored.
		if err := tx.Enqueue(ctx, jobs.PurgeAudioArgs{SessionID: a.SessionID, ChunkID: chunk.ID}, nil); err != nil {
			return fmt.Errorf("enqueue audio purge: %w", err)
		}
		return advanceTx(ctx, tx, a.SessionID, chunk.ID, job.Attempt)
	})
	if err != nil || !purged {
		if err == nil {
			metrics.StageLatency.WithLabelValues(metrics.StageChunkTranscribed).Observe(time.Since(job.CreatedAt).Seconds())
		}
		return err
	}
	return w.Blobs.Delete(ctx, blobID)
}

func (w *Worker) advance(ctx context.Context, sessionID string, chunkID int64, attempt int, _ bool) error {
	return stagekit.InSessionTx(ctx, w.Store, sessionID, func(tx *store.Tx) error { return advanceTx(ctx, tx, sessionID, chunkID, attempt) })
}

// advanceTx marks the chunk's stage done and, when every chunk is done and
// capture has ended, moves the session to redaction and enqueues it.
func advanceTx(ctx context.Context, tx *store.Tx, sessionID string, chunkID int64, attempt int) error {
	if err := tx.SetStage(ctx, sessionID, jobs.StageTranscribe, chunkID, store.StateDone, attempt, ""); err != nil {
		return err
	}
	return EnqueueRedactIfComplete(ctx, tx, sessionID)
}

// EnqueueRedactIfComplete enqueues the redact stage when capture has ended
// and every chunk is transcribed. Capture calls it when a call ends too, so
// whichever happens last moves the session on.
func EnqueueRedactIfComplete(ctx context.Context, tx *store.Tx, sessionID string) error {
	sess, err := tx.Session(ctx, sessionID, true)
	if err != nil {
		return err
	}
	done, total, err := tx.ChunkCounts(ctx, sessionID)
	if err != nil {
		return err
	}
	if !sess.CaptureEnded || done < total || sess.Status == store.StatusFailed {
		return nil
	}
	if sess.Status == store.StatusRedacting || sess.Status == store.StatusDrafting || sess.Status == store.StatusReady {
		return nil
	}
	if err := tx.SetSessionStatus(ctx, sessionID, store.StatusRedacting); err != nil {
		return err
	}
	if err := tx.SetStage(ctx, sessionID, jobs.StageRedact, 0, store.StatePending, 0, ""); err != nil {
		return err
	}
	return tx.Enqueue(ctx, jobs.RedactArgs{SessionID: sessionID}, nil)
}

// Stitch places a chunk's pieces on the session clock with the chunk's
// speaker, clamped to the chunk so that neighbouring chunks never overlap.
func Stitch(c store.Chunk, pieces []Piece, chunkDurMS int64) []transcript.Segment {
	if chunkDurMS <= 0 {
		chunkDurMS = c.EndMS - c.StartMS
	}
	out := make([]transcript.Segment, 0, len(pieces))
	for _, p := range pieces {
		start, end := clamp(p.StartMS, 0, chunkDurMS), clamp(p.EndMS, 0, chunkDurMS)
		if end < start {
			end = start
		}
		seg := transcript.Segment{Speaker: c.Speaker, StartMS: c.StartMS + start, EndMS: c.StartMS + end, Text: p.Text}
		if p.Voice != "" && c.Speaker == transcript.SpeakerMixed {
			// A diarized voice of one mixed channel; its role is named later.
			seg.Voice = p.Voice
		}
		out = append(out, seg)
	}
	return out
}

func clamp(v, lo, hi int64) int64 {
	return max(lo, min(v, hi))
}

func durationMS(wavBytes []byte) int64 {
	d := wav.NewDecoder(bytesReader(wavBytes))
	dur, err := d.Duration()
	if err != nil {
		return 0
	}
	return dur.Milliseconds()
}

// Merge reads every chunk transcript of a session and returns the
// speaker-interleaved segments with IDs assigned in order.
func Merge(ctx context.Context, s *store.Store, blobs blob.Store, sessionID string) ([]transcript.Segment, error) {
	return merge(ctx, s, blobs, sessionID, false)
}

// MergeAvailable is Merge over the chunks transcribed so far (for showing a
// session in progress).
func MergeAvailable(ctx context.Context, s *store.Store, blobs blob.Store, sessionID string) ([]transcript.Segment, error) {
	return merge(ctx, s, blobs, sessionID, true)
}

func merge(ctx context.Context, s *store.Store, blobs blob.Store, sessionID string, partial bool) ([]transcript.Segment, error) {
	chunks, err := s.Chunks(ctx, sessionID)
	if err != nil {
		return nil, err
	}
	var all []transcript.Segment
	for _, c := range chunks {
		if c.State != "done" || c.TranscriptBlob == "" {
			if partial {
				continue
			}
			return nil, fmt.Errorf("chunk %d of session %s is not transcribed yet", c.ID, sessionID)
		}
		b, err := blobs.Get(ctx, c.TranscriptBlob)
		if err != nil {
			return nil, fmt.Errorf("chunk %d transcript: %w", c.ID, err)
		}
		var segs []transcript.Segment
		if err := json.Unmarshal(b, &segs); err != nil {
			return nil, fmt.Errorf("chunk %d transcript is not valid JSON: %w", c.ID, err)
		}
		all = append(all, segs...)
	}
	transcript.Sort(all)
	transcript.AssignIDs(all)
	if err := keepSpeakers(ctx, s, blobs, sessionID, all); err != nil {
		return nil, err
	}
	return all, nil
}

// keepSpeakers carries the roles of a single-channel recording's segments
// (assigned by the drafting model or fixed by the clinician, kept in the
// redacted transcript) onto the merged segments, so that a person reading
// the transcript sees them and a redaction run again does not lose them.
// A segment matches by ID and start time; a track's speaker is never
// changed.
func keepSpeakers(ctx context.Context, s *store.Store, blobs blob.Store, sessionID string, segs []transcript.Segment) error {
	tr, err := s.Transcript(ctx, sessionID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	b, err := blobs.Get(ctx, tr.RedactedBlob)
	if errors.Is(err, blob.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("redacted transcript: %w", err)
	}
	var red []transcript.Segment
	if err := json.Unmarshal(b, &red); err != nil {
		return fmt.Errorf("redacted transcript is not valid JSON: %w", err)
	}
	byID := make(map[string]transcript.Segment, len(red))
	for _, r := range red {
		if r.SpeakerBy != "" {
			byID[r.ID] = r
		}
	}
	for i, sg := range segs {
		if r, ok := byID[sg.ID]; ok && sg.Speaker == transcript.SpeakerMixed && r.StartMS == sg.StartMS {
			segs[i].Speaker, segs[i].SpeakerBy, segs[i].Confidence = r.Speaker, r.SpeakerBy, r.Confidence
		}
	}
	return nil
}
