// Package demo loads and removes the SAMPLE client of `scribe demo`: one
// finished session of fictional, computer-written content — a transcript, and
// a draft progress note with citations and a flag — so that a newcomer can
// review, edit, sign and export a note before any model exists.
//
// The sample is kept apart from real data by the store: its client has a
// fixed ID and a reserved alias, no real session may join it, and every page
// and export that shows it says SAMPLE. The draft is made by the real
// drafting code (grounding and gap checks) from a note written by hand in
// this package instead of a model's answer, so its flags are the ones
// Scribe would raise.
package demo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/scribe-health/scribe/drafts"
	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/blob"
	"github.com/scribe-health/scribe/internal/compliance"
	"github.com/scribe-health/scribe/internal/jobs"
	"github.com/scribe-health/scribe/internal/pipeline"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/transcript"
	"github.com/scribe-health/scribe/prompts"
	"github.com/scribe-health/scribe/summarize"
)

// Model and provider names the sample draft carries: no model wrote it.
const (
	SampleModel    = "none (SAMPLE note written by hand)"
	SampleProvider = "SAMPLE"
	sampleTemplate = "dap"
)

// Options is what Load needs.
type Options struct {
	Store *store.Store
	Blobs blob.Store
	// Clinician, when set, is the sample session's clinician and on the
	// sample client's care team, so that they see it and may sign it.
	Clinician string
	// Actor names who loaded or removed it in the audit log.
	Actor string
}

// Load stores the sample client, session, transcript and draft. Loading it
// again changes nothing (loaded is false) — except that a clinician not yet
// on the sample's care team is added.
func Load(ctx context.Context, o Options) (loaded bool, err error) {
	segs := Transcript()
	body, err := json.Marshal(segs)
	if err != nil {
		return false, err
	}
	format, err := prompts.FormatByID(sampleTemplate)
	if err != nil {
		return false, err
	}
	res, err := summarize.Draft(ctx, handWritten{}, summarize.NoteInput{
		SessionID: store.SampleSessionID, Segments: segs, Format: format, Program: store.ProgramMH,
		Consent: summarize.ConsentState{AIScribe: true},
	})
	if err != nil {
		return false, fmt.Errorf("sample draft: %w", err)
	}
	flags := make([]drafts.Flag, len(res.Flags))
	for i, f := range res.Flags {
		flags[i] = drafts.Flag{Flag: f}
	}
	content, err := json.Marshal(drafts.Content{Note: res.Note})
	if err != nil {
		return false, err
	}
	flagJSON, err := json.Marshal(flags)
	if err != nil {
		return false, err
	}
	// The transcript is written first (an object with a fixed name: writing
	// it again is harmless); the rows follow in one transaction.
	if err := o.Blobs.Put(ctx, pipeline.RedactedBlobID(store.SampleSessionID), body); err != nil {
		return false, fmt.Errorf("sample transcript: %w", err)
	}
	err = o.Store.InTx(ctx, func(tx *store.Tx) error {
		if c, err := tx.Client(ctx, store.SampleClientID); err == nil {
			if o.Clinician != "" && !c.OnCareTeam(o.Clinician) {
				if _, err := tx.AddCareTeamMember(ctx, &c, o.Clinician, o.Actor); err != nil {
					return err
				}
				return tx.Audit(ctx, audit.Event{Actor: o.Actor, Action: "client.member_add", EntityType: "client", EntityID: c.ID,
					Details: map[string]string{"member": store.NormalizeEmail(o.Clinician), "via": "demo"}})
			}
			return nil
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		loaded = true
		c := store.Client{ID: store.SampleClientID, Alias: store.SampleAlias, Programs: []string{store.ProgramMH}}
		if o.Clinician != "" {
			c.CareTeam = []string{o.Clinician}
		}
		if err := tx.CreateClient(ctx, &c, o.Actor); err != nil {
			return err
		}
		last := segs[len(segs)-1]
		s := store.Session{ID: store.SampleSessionID, Source: store.SourceSample, Status: store.StatusReady, Template: sampleTemplate, Modality: "general",
			Program: store.ProgramMH, ClientID: store.SampleClientID, Clinician: store.NormalizeEmail(o.Clinician),
			ConsentAttestedBy: "SAMPLE (fictional consent)", CaptureEnded: true, DurationMS: last.EndMS}
		if err := tx.CreateSession(ctx, &s); err != nil {
			return err
		}
		// The session page lists the consent the draft relies on: a
		// fictional attested AI-scribe consent, labelled as such.
		consent := compliance.AttestedAIScribeConsent(s.ID, "", "SAMPLE (fictional consent)")
		consent.ClientID = store.SampleClientID
		if err := compliance.AddTx(ctx, tx, consent, o.Actor); err != nil {
			return err
		}
		if err := tx.PutTranscript(ctx, store.Transcript{SessionID: s.ID, RedactedBlob: pipeline.RedactedBlobID(s.ID), MapBlob: pipeline.TokenMapBlobID(s.ID), Segments: len(segs)}); err != nil {
			return err
		}
		for _, stage := range []string{jobs.StageRedact, jobs.StageDraft} {
			if err := tx.SetStage(ctx, s.ID, stage, 0, store.StateDone, 1, ""); err != nil {
				return err
			}
		}
		d := &store.Draft{ID: uuid.NewString(), SessionID: s.ID, Version: 1, Status: store.DraftDraft, Template: format.ID, PromptVersion: res.PromptVersion,
			Provider: SampleProvider, Model: SampleModel, Passes: res.Passes, Content: string(content), Flags: string(flagJSON)}
		if _, err := tx.InsertDraft(ctx, d); err != nil {
			return err
		}
		return tx.Audit(ctx, audit.Event{Actor: o.Actor, Action: "sample.load", EntityType: "session", EntityID: s.ID,
			Details: map[string]string{"client": store.SampleClientID, "draft": d.ID, "flags": fmt.Sprint(len(flags))}})
	})
	return loaded, err
}

// Remove deletes the sample client, its session and everything stored with
// it, audited; removed is false when there was no sample.
func Remove(ctx context.Context, o Options) (removed bool, err error) {
	err = o.Store.InTx(ctx, func(tx *store.Tx) error {
		removed, err = tx.DeleteSample(ctx)
		if err != nil || !removed {
			return err
		}
		return tx.Audit(ctx, audit.Event{Actor: o.Actor, Action: "sample.remove", EntityType: "session", EntityID: store.SampleSessionID,
			Details: map[string]string{"client": store.SampleClientID}})
	})
	if err != nil || !removed {
		return removed, err
	}
	for _, id := range []string{pipeline.RedactedBlobID(store.SampleSessionID), pipeline.TokenMapBlobID(store.SampleSessionID)} {
		if err := o.Blobs.Delete(ctx, id); err != nil && !errors.Is(err, blob.ErrNotFound) {
			return true, fmt.Errorf("the sample is removed, but its transcript file was not: %w", err)
		}
	}
	return true, nil
}

// Transcript is the sample session's transcript: fictional, written for
// the demo (its first two lines are those of docs/sample/sample-session.wav).
func Transcript() []transcript.Segment {
	lines := []struct {
		speaker, text  string
		startMS, endMS int64
	}{
		{"clinician", "This is a sample session. How has your week been?", 0, 4200},
		{"client", "Better. I walked every morning and slept more.", 4600, 8200},
		{"clinician", "That is good to hear. How has your mood been since we last met?", 8600, 13000},
		{"client", "Mostly calmer. The panic came back once, on Tuesday at the grocery store, and I used the breathing exercise.", 13400, 19800},
		{"clinician", "You used the breathing exercise during the panic. How did that go?", 20200, 25000},
		{"client", "It helped after a few minutes. Some nights last month I felt I would rather not wake up, but not this week.", 25400, 31000},
		{"clinician", "Thank you for telling me. Let us keep the morning walks and the breathing practice.", 31400, 36500},
		{"client", "Okay. I will keep a short diary of the panic too.", 36900, 40000},
		{"clinician", "Good. Let us keep the morning walks and meet next week.", 40400, 44800},
	}
	segs := make([]transcript.Segment, len(lines))
	for i, l := range lines {
		segs[i] = transcript.Segment{ID: fmt.Sprintf("S%04d", i+1), Speaker: l.speaker, StartMS: l.startMS, EndMS: l.endMS, Text: l.text}
	}
	return segs
}

// handWritten answers the drafting call with the sample note, written by
// hand: the risk the client mentions (S0006) is left out on purpose, so the
// draft carries the flag a clinician must deal with before signing.
type handWritten struct{}

func (handWritten) Chat(_ context.Context, req summarize.ChatRequest) (summarize.ChatResponse, error) {
	type st struct {
		Text      string   `json:"text"`
		Citations []string `json:"citations"`
	}
	sec := func(s ...st) map[string]any { return map[string]any{"statements": s} }
	note := map[string]any{"sections": map[string]any{
		"data": sec(
			st{"Client reported walking every morning and sleeping more this week.", []string{"S0002"}},
			st{"Client reported the panic came back once, on Tuesday at the grocery store, and used the breathing exercise.", []string{"S0004"}},
			st{"Client said the breathing exercise helped after a few minutes.", []string{"S0006"}},
		),
		"assessment":  sec(st{"Client's mood has been mostly calmer since the last session.", []string{"S0003", "S0004"}}),
		"risk":        sec(),
		"medications": sec(),
		"plan": sec(
			st{"Keep the morning walks and the breathing practice.", []string{"S0007"}},
			st{"Client will keep a short diary of the panic.", []string{"S0008"}},
			st{"Meet next week.", []string{"S0009"}},
		),
	}}
	b, err := json.Marshal(note)
	return summarize.ChatResponse{Content: string(b), Model: SampleModel, FinishReason: "stop"}, err
}
