package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/blob"
	"github.com/scribe-health/scribe/internal/jobs"
	"github.com/scribe-health/scribe/internal/modelcall"
	"github.com/scribe-health/scribe/internal/stagekit"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/transcript"
	"github.com/scribe-health/scribe/redaction"
	"github.com/scribe-health/scribe/transcribe"
)

// Blob IDs of a session's redacted transcript and its token map.
func RedactedBlobID(sessionID string) string {
	return "sessions/" + sessionID + "/transcript-redacted.json"
}
func TokenMapBlobID(sessionID string) string { return "sessions/" + sessionID + "/tokenmap.json" }

// RedactWorker is the redact stage: it merges the speaker-labelled
// transcript, removes identifiers, stores the redacted text and the
// encrypted token map apart, and enqueues the draft. Only the redacted
// transcript is ever read by the drafting stage.
//
// When an admin has configured a self-hosted provider for redaction
// (store.UseRedaction), the stage also asks it for a second opinion, which
// can only add identifiers (redaction.Suggester); the call is audited. With
// none configured, the default, no model sees the transcript here.
type RedactWorker struct {
	river.WorkerDefaults[jobs.RedactArgs]
	Store *store.Store
	Blobs blob.Store
	// NewSuggester builds the second opinion for the redaction provider;
	// nil means NewModelSuggester.
	NewSuggester func(store.Provider) (redaction.Suggester, error)
	// Policy is how calls to the redaction provider retry.
	Policy modelcall.Policy
}

// Timeout bounds one redaction (a long session's transcript is redacted
// in seconds; the bound is for a process that lost track of it).
func (w *RedactWorker) Timeout(*river.Job[jobs.RedactArgs]) time.Duration { return 10 * time.Minute }

func (w *RedactWorker) Work(ctx context.Context, job *river.Job[jobs.RedactArgs]) error {
	id := job.Args.SessionID
	if err := w.work(ctx, job); err != nil {
		return stagekit.HandleError(ctx, w.Store, job.JobRow, id, jobs.StageRedact, 0, err)
	}
	return nil
}

func (w *RedactWorker) work(ctx context.Context, job *river.Job[jobs.RedactArgs]) error {
	id := job.Args.SessionID
	sess, err := w.Store.Session(ctx, id)
	if err != nil {
		return stagekit.Permanent(err)
	}
	if sess.Status == store.StatusFailed {
		if skipped, err := stagekit.SkipIfFailed(ctx, w.Store, job.JobRow, id, jobs.StageRedact, 0); skipped || err != nil {
			return err
		}
	}
	if done, err := stagekit.AlreadyDone(ctx, w.Store, id, jobs.StageRedact, 0); done || err != nil {
		if done {
			w.Store.Logger().Info("redact job run again after its work was committed; nothing to do", "session_id", id, "job", job.ID)
		}
		return err
	}
	if err := stagekit.Start(ctx, w.Store, id, jobs.StageRedact, 0, job.Attempt); err != nil {
		return err
	}
	segs, err := transcribe.Merge(ctx, w.Store, w.Blobs, id)
	if err != nil {
		return err
	}
	sug, prov, err := w.suggester(ctx, id)
	if err != nil {
		return err
	}
	red, tokenMap, spans, added, err := RedactSegmentsWith(ctx, segs, sug)
	if prov != nil {
		details := map[string]string{"provider": prov.Name, "model": prov.Model, "use": store.UseRedaction,
			"sent": fmt.Sprintf("transcript before redaction (%d segments)", len(segs)), "attempt": fmt.Sprint(job.Attempt)}
		if err != nil {
			details["error"] = "see stage error"
			if k := modelcall.KindOf(err); k != "" {
				details["error"], details["status"] = string(k), fmt.Sprint(modelcall.StatusCode(err))
			}
			_ = w.Store.Audit(ctx, audit.Event{Actor: "system", Action: "provider.call", EntityType: "session", EntityID: id, Outcome: "failure", Details: details})
		} else {
			details["spans_added"] = fmt.Sprint(added)
			if aerr := w.Store.Audit(ctx, audit.Event{Actor: "system", Action: "provider.call", EntityType: "session", EntityID: id, Details: details}); aerr != nil {
				return aerr
			}
		}
	}
	if err != nil {
		var pe *modelcall.Error
		if errors.As(err, &pe) && !modelcall.IsPermanent(pe) {
			return pe // transient: River tries the stage again
		}
		if errors.As(err, &pe) {
			return stagekit.Permanent(pe)
		}
		return stagekit.Permanent(err)
	}
	body, err := json.Marshal(red)
	if err != nil {
		return err
	}
	if err := w.Blobs.Put(ctx, RedactedBlobID(id), body); err != nil {
		return err
	}
	if err := w.Blobs.Put(ctx, TokenMapBlobID(id), tokenMap); err != nil {
		return err
	}
	return stagekit.InSessionTx(ctx, w.Store, id, func(tx *store.Tx) error {
		if err := tx.PutTranscript(ctx, store.Transcript{SessionID: id, RedactedBlob: RedactedBlobID(id), MapBlob: TokenMapBlobID(id), Segments: len(red)}); err != nil {
			return err
		}
		if err := tx.SetStage(ctx, id, jobs.StageRedact, 0, store.StateDone, job.Attempt, ""); err != nil {
			return err
		}
		if err := tx.Audit(ctx, audit.Event{Actor: "system", Action: "transcript.redact", EntityType: "session", EntityID: id,
			Details: map[string]string{"segments": fmt.Sprint(len(red)), "identifiers": fmt.Sprint(spans)}}); err != nil {
			return err
		}
		return EnqueueDraft(ctx, tx, id, 1, "")
	})
}

// suggester returns the redaction second opinion when a provider is
// configured for it (nil, nil when none is: the default). A provider that
// is not self-hosted is refused before anything is sent, and the refusal
// is audited.
func (w *RedactWorker) suggester(ctx context.Context, sessionID string) (redaction.Suggester, *store.Provider, error) {
	prov, err := w.Store.ProviderFor(ctx, store.UseRedaction)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	newSug := w.NewSuggester
	if newSug == nil {
		newSug = func(p store.Provider) (redaction.Suggester, error) { return NewModelSuggester(p, w.Policy) }
	}
	sug, err := newSug(prov)
	if err != nil {
		if errors.Is(err, ErrNotSelfHosted) {
			_ = w.Store.Audit(ctx, audit.Event{Actor: "system", Action: "provider.call", EntityType: "session", EntityID: sessionID, Outcome: "failure",
				Details: map[string]string{"provider": prov.Name, "use": store.UseRedaction, "refused": "not_self_hosted"}})
		}
		return nil, nil, stagekit.Permanent(err)
	}
	return sug, &prov, nil
}

// EnqueueDraft moves a session to drafting and enqueues draft version v.
func EnqueueDraft(ctx context.Context, tx *store.Tx, sessionID string, version int, template string) error {
	if err := tx.SetSessionStatus(ctx, sessionID, store.StatusDrafting); err != nil {
		return err
	}
	if err := tx.SetStage(ctx, sessionID, jobs.StageDraft, 0, store.StatePending, 0, ""); err != nil {
		return err
	}
	return tx.Enqueue(ctx, jobs.DraftArgs{SessionID: sessionID, Version: version, Template: template}, nil)
}

// RedactSegments redacts a merged transcript as one text, so that context
// in one turn ("my sister's name is") helps in the next, with placeholders
// consistent across the whole session. Speaker labels are not redacted. It
// returns the redacted segments, the serialised token map and the number
// of identifier spans found.
func RedactSegments(segs []transcript.Segment) ([]transcript.Segment, []byte, int, error) {
	out, m, spans, _, err := RedactSegmentsWith(context.Background(), segs, nil)
	return out, m, spans, err
}

// RedactSegmentsWith is RedactSegments with a second opinion sug (nil:
// none) whose spans are added to the engine's, never removing one; it also
// returns how many suggestions changed the result. A failing sug fails the
// redaction (wrapping redaction.ErrSuggester and the cause).
func RedactSegmentsWith(ctx context.Context, segs []transcript.Segment, sug redaction.Suggester) ([]transcript.Segment, []byte, int, int, error) {
	rs := redaction.NewSession()
	redact := func(text string) (redaction.Result, int, error) {
		if sug == nil {
			r, err := rs.Redact(text)
			return r, 0, err
		}
		return rs.RedactWithSuggester(ctx, text, sug)
	}
	var b strings.Builder
	for i, s := range segs {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(transcript.Label(s.Speaker))
		b.WriteString(": ")
		b.WriteString(strings.ReplaceAll(s.Text, "\n", " "))
	}
	res, added, err := redact(b.String())
	if err != nil {
		return nil, nil, 0, 0, fmt.Errorf("redaction failed: %w", err)
	}
	out := make([]transcript.Segment, len(segs))
	copy(out, segs)
	lines := strings.Split(res.Text, "\n")
	ok := len(lines) == len(segs) || (len(segs) == 0 && len(lines) == 1)
	for i := range segs {
		if !ok {
			break
		}
		prefix := transcript.Label(segs[i].Speaker) + ": "
		if !strings.HasPrefix(lines[i], prefix) {
			ok = false
			break
		}
		out[i].Text = strings.TrimPrefix(lines[i], prefix)
	}
	spans := len(res.Spans)
	if !ok {
		// A span crossed a turn boundary: redact turn by turn instead, with
		// the same session so placeholders stay consistent.
		spans, added = 0, 0
		for i := range segs {
			r, n, err := redact(segs[i].Text)
			if err != nil {
				return nil, nil, 0, 0, fmt.Errorf("redaction failed: %w", err)
			}
			out[i].Text = r.Text
			spans += len(r.Spans)
			added += n
		}
	}
	m, err := rs.MarshalMap()
	if err != nil {
		return nil, nil, 0, 0, err
	}
	return out, m, spans, added, nil
}
