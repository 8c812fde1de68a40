package drafts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"

	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/blob"
	"github.com/scribe-health/scribe/internal/compliance"
	"github.com/scribe-health/scribe/internal/config"
	"github.com/scribe-health/scribe/internal/jobs"
	"github.com/scribe-health/scribe/internal/metrics"
	"github.com/scribe-health/scribe/internal/modelcall"
	"github.com/scribe-health/scribe/internal/stagekit"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/transcript"
	"github.com/scribe-health/scribe/internal/vocab"
	"github.com/scribe-health/scribe/prompts"
	"github.com/scribe-health/scribe/redaction"
	"github.com/scribe-health/scribe/summarize"
)

// Worker is the draft stage. It reads only the redacted transcript.
type Worker struct {
	river.WorkerDefaults[jobs.DraftArgs]
	Store *store.Store
	Blobs blob.Store
	// NewLLM makes the model client for a provider; nil means NewOpenAILLM
	// with Policy.
	NewLLM func(store.Provider) (summarize.LLM, error)
	// Policy is how calls to the provider retry (zero: modelcall's defaults).
	Policy modelcall.Policy
	Now    func() time.Time
	// Started, when set, is called as the stage begins (benchmarks).
	Started func(sessionID string)
}

func (w *Worker) Timeout(*river.Job[jobs.DraftArgs]) time.Duration { return 15 * time.Minute }

func (w *Worker) Work(ctx context.Context, job *river.Job[jobs.DraftArgs]) error {
	if err := w.work(ctx, job); err != nil {
		return stagekit.HandleError(ctx, w.Store, job.JobRow, job.Args.SessionID, jobs.StageDraft, 0, err)
	}
	return nil
}

func (w *Worker) now() time.Time {
	if w.Now != nil {
		return w.Now()
	}
	return time.Now()
}

// NewOpenAILLM builds the go-openai chat client for a provider, calling it
// under pol and reading the key from the provider's environment variable at
// call time.
func NewOpenAILLM(p store.Provider, pol modelcall.Policy) (summarize.LLM, error) {
	key := ""
	if p.APIKeyEnv != "" {
		if key = config.Secret(p.APIKeyEnv); key == "" {
			return nil, stagekit.Permanentf("provider %q: environment variable %s (its API key) is not set in the worker's environment", p.Name, p.APIKeyEnv)
		}
	}
	if p.Kind != "" && p.Kind != "openai" && p.Kind != "azure" {
		return nil, stagekit.Permanentf("the drafting provider '%s' has unknown kind %q (want openai or azure)", p.Name, p.Kind)
	}
	llm, err := summarize.NewOpenAI(summarize.Config{Name: p.Name, BaseURL: p.BaseURL, APIKey: key, Model: p.Model, Azure: p.Kind == "azure",
		AzureAPIVersion: p.AzureAPIVersion, JSONSchema: p.JSONSchema, Policy: pol})
	if err != nil {
		return nil, stagekit.Permanent(err)
	}
	return llm, nil
}

// ResolveFormat finds a note format: an admin-added template first, then
// the built-in ones.
func ResolveFormat(ctx context.Context, s *store.Store, id string) (prompts.Format, error) {
	if t, err := s.CustomTemplate(ctx, id); err == nil {
		return prompts.ParseTemplate([]byte(t.Content))
	} else if !errors.Is(err, store.ErrNotFound) {
		return prompts.Format{}, err
	}
	return prompts.FormatByID(id)
}

func (w *Worker) work(ctx context.Context, job *river.Job[jobs.DraftArgs]) error {
	a := job.Args
	sess, err := w.Store.Session(ctx, a.SessionID)
	if err != nil {
		return stagekit.Permanent(err)
	}
	if sess.Status == store.StatusFailed {
		if skipped, err := stagekit.SkipIfFailed(ctx, w.Store, job.JobRow, a.SessionID, jobs.StageDraft, 0); skipped || err != nil {
			return err
		}
	}
	// A draft job run again after its draft was stored (the process was
	// killed before River recorded the job completed) changes nothing and
	// sends nothing to the model again.
	if done, err := stagekit.AlreadyDone(ctx, w.Store, a.SessionID, jobs.StageDraft, 0); done || err != nil {
		return err
	}
	if ds, err := w.Store.Drafts(ctx, a.SessionID); err != nil {
		return err
	} else {
		for _, d := range ds {
			if d.Version == a.Version {
				return nil
			}
		}
	}
	if w.Started != nil {
		w.Started(a.SessionID)
	}
	if err := stagekit.Start(ctx, w.Store, a.SessionID, jobs.StageDraft, 0, job.Attempt); err != nil {
		return err
	}
	if _, err := compliance.CheckStage(ctx, w.Store, a.SessionID, compliance.StageDraft); err != nil {
		return stagekit.Permanent(err)
	}
	tmpl := a.Template
	if tmpl == "" {
		tmpl = sess.Template
	}
	format, err := ResolveFormat(ctx, w.Store, tmpl)
	if err != nil {
		return stagekit.Permanentf("note template %q: %v", tmpl, err)
	}
	if sess.Group && !format.Group {
		if g, gerr := prompts.FormatByID("group"); gerr == nil && a.Template == "" {
			format = g
		}
	}
	modality, err := prompts.ModalityByID(sess.Modality)
	if err != nil {
		return stagekit.Permanentf("modality %q: %v", sess.Modality, err)
	}
	prov, err := w.Store.ProviderFor(ctx, "drafting")
	if err != nil {
		return stagekit.Permanent(err)
	}
	if err := prov.CheckSend(w.now(), sess.Part2()); err != nil {
		_ = w.Store.Audit(ctx, audit.Event{Actor: "system", Action: "provider.call", EntityType: "session", EntityID: a.SessionID, Outcome: "failure",
			Details: map[string]string{"provider": prov.Name, "use": "drafting", "refused": "baa_gate", "part2": fmt.Sprint(sess.Part2())}})
		return stagekit.Permanent(err)
	}
	tr, err := w.Store.Transcript(ctx, a.SessionID)
	if err != nil {
		return stagekit.Permanent(err)
	}
	raw, err := w.Blobs.Get(ctx, tr.RedactedBlob)
	if err != nil {
		return stagekit.Permanentf("redacted transcript cannot be read: %v", err)
	}
	var segs []transcript.Segment
	if err := json.Unmarshal(raw, &segs); err != nil {
		return stagekit.Permanentf("redacted transcript is not valid JSON: %v", err)
	}
	inForce, err := w.Store.ConsentScopesInForce(ctx, a.SessionID)
	if err != nil {
		return err
	}
	aiConsent, part2Consent := inForce[string(vocab.ScopeAIScribe)], inForce[string(vocab.ScopePart2TPO)]
	newLLM := w.NewLLM
	if newLLM == nil {
		newLLM = func(p store.Provider) (summarize.LLM, error) { return NewOpenAILLM(p, w.Policy) }
	}
	llm, err := newLLM(prov)
	if err != nil {
		return err
	}
	style, err := ClinicianStyle(ctx, w.Store, sess)
	if err != nil {
		return err
	}
	consent := summarize.ConsentState{AIScribe: aiConsent || sess.ConsentAttestedBy != "", Part2: part2Consent}
	unassigned := 0
	for _, sg := range segs {
		if sg.Speaker == transcript.SpeakerMixed {
			unassigned++
		}
	}
	what := "drafting"
	if unassigned > 0 && !sess.Dictation() {
		what = "speaker roles and drafting"
	}
	if err := w.Store.InTx(ctx, func(tx *store.Tx) error {
		_, _, err := compliance.RecordDisclosure(ctx, tx, a.SessionID, compliance.Disclosure{Kind: compliance.KindModelCall, Recipient: "model provider " + prov.Name,
			Description: fmt.Sprintf("redacted transcript (%d segments) for %s", len(segs), what), Purpose: "health care operations: clinical documentation", Actor: "system"})
		return err
	}); err != nil {
		return err
	}
	if unassigned > 0 && !sess.Dictation() {
		if segs, err = w.assignRoles(ctx, a.SessionID, tr.RedactedBlob, segs, llm, prov, job.Attempt); err != nil {
			return err
		}
	}
	res, err := summarize.Draft(ctx, llm, summarize.NoteInput{
		Logger:    w.Store.Logger(),
		SessionID: a.SessionID, Segments: segs, Format: format, Modality: modality, Group: sess.Group, Program: sess.Program,
		ContextBudgetTokens: prov.ContextTokens, Consent: consent, Part2: sess.Part2(), MAT: sess.Modality == "mat",
		Style:     style,
		Dictation: sess.Dictation(),
	})
	callDetails := map[string]string{"provider": prov.Name, "model": prov.Model, "use": "drafting", "sent": fmt.Sprintf("redacted transcript (%d segments)", len(segs)),
		"consent_ai_scribe": fmt.Sprint(consent.AIScribe), "part2": fmt.Sprint(sess.Part2()), "attempt": fmt.Sprint(job.Attempt)}
	if sess.Dictation() {
		callDetails["sent"] = fmt.Sprintf("redacted clinician dictation (%d segments)", len(segs))
		callDetails["source"] = store.SourceDictation
	}
	if err != nil {
		callDetails["error"] = "see stage error"
		if k := modelcall.KindOf(err); k != "" {
			callDetails["error"], callDetails["status"] = string(k), fmt.Sprint(modelcall.StatusCode(err))
		}
		_ = w.Store.Audit(ctx, audit.Event{Actor: "system", Action: "provider.call", EntityType: "session", EntityID: a.SessionID, Outcome: "failure", Details: callDetails})
		if errors.Is(err, summarize.ErrMalformedOutput) || errors.Is(err, summarize.ErrBadInput) {
			return stagekit.Permanent(err)
		}
		// The provider's own words are the session's reason; summarize's
		// wrapping adds only the session ID, which the page already shows.
		var pe *modelcall.Error
		if errors.As(err, &pe) {
			err = pe
		}
		if modelcall.IsPermanent(err) {
			return stagekit.Permanent(err)
		}
		return err
	}
	flags := make([]Flag, len(res.Flags))
	for i, f := range res.Flags {
		flags[i] = Flag{Flag: f}
	}
	screening, err := MeasureFlags(ctx, w.Store, a.SessionID)
	if err != nil {
		return err
	}
	flags = append(flags, screening...)
	d := &store.Draft{ID: uuid.NewString(), SessionID: a.SessionID, Version: max(a.Version, 1), Status: store.DraftDraft, Template: format.ID,
		PromptVersion: res.PromptVersion, Provider: prov.Name, Model: res.Model, PromptTokens: res.Usage.Prompt, CompletionTokens: res.Usage.Completion,
		LatencyMS: res.Latency.Milliseconds(), Passes: res.Passes, Content: mustJSON(Content{Note: res.Note}), Flags: mustJSON(flags)}
	callDetails["prompt_tokens"] = fmt.Sprint(res.Usage.Prompt)
	callDetails["completion_tokens"] = fmt.Sprint(res.Usage.Completion)
	callDetails["latency_ms"] = fmt.Sprint(res.Latency.Milliseconds())
	err = stagekit.InSessionTx(ctx, w.Store, a.SessionID, func(tx *store.Tx) error {
		if err := tx.Audit(ctx, audit.Event{Actor: "system", Action: "provider.call", EntityType: "session", EntityID: a.SessionID, Details: callDetails}); err != nil {
			return err
		}
		inserted, err := tx.InsertDraft(ctx, d)
		if err != nil {
			return err
		}
		if inserted {
			if err := tx.Audit(ctx, audit.Event{Actor: "system", Action: "draft.create", EntityType: "draft", EntityID: d.ID,
				Details: map[string]string{"session": a.SessionID, "version": fmt.Sprint(d.Version), "prompt_version": d.PromptVersion, "flags": fmt.Sprint(len(flags))}}); err != nil {
				return err
			}
		}
		if err := tx.SetStage(ctx, a.SessionID, jobs.StageDraft, 0, store.StateDone, job.Attempt, ""); err != nil {
			return err
		}
		return tx.SetSessionStatus(ctx, a.SessionID, store.StatusReady)
	})
	if err == nil {
		metrics.StageLatency.WithLabelValues(metrics.StageSessionReady).Observe(time.Since(recordingEnded(sess)).Seconds())
	}
	return err
}

// ClinicianStyle is the drafting style of the session's clinician: the
// preferences they saved on their account page, with their own recent
// signed notes as examples when they asked for them (see StyleExamples);
// none when the session names no clinician with an account.
func ClinicianStyle(ctx context.Context, s *store.Store, sess store.Session) (prompts.Style, error) {
	if strings.TrimSpace(sess.Clinician) == "" {
		return prompts.Style{}, nil
	}
	u, err := s.UserByEmail(ctx, sess.Clinician)
	if errors.Is(err, store.ErrNotFound) {
		return prompts.Style{}, nil
	}
	if err != nil {
		return prompts.Style{}, err
	}
	st, err := s.ClinicianStyle(ctx, u.ID)
	if err != nil {
		return prompts.Style{}, err
	}
	style := StyleOf(st)
	if st.Examples {
		if style.Examples, err = StyleExamples(ctx, s, sess); err != nil {
			return prompts.Style{}, err
		}
	}
	return style, nil
}

// MaxStyleExamples is how many earlier notes a draft is shown.
const MaxStyleExamples = 2

// StyleExamples are up to MaxStyleExamples notes the session's clinician
// signed most recently, as signed, for the model to follow their style.
// Only the clinician's own notes, in their own sessions, count; never
// another session's note that is a 42 CFR Part 2 record (its consent
// covers that client's care, not drafting another's note) nor the SAMPLE
// session's. The notes are stored de-identified; each is run through the
// redaction engine again, so that a name a clinician typed that the
// session's map did not know is not sent either.
func StyleExamples(ctx context.Context, s *store.Store, sess store.Session) ([]string, error) {
	notes, err := s.SignedNotesBy(ctx, sess.Clinician, sess.ID, 20)
	if err != nil {
		return nil, fmt.Errorf("read the clinician's signed notes: %w", err)
	}
	var out []string
	for _, n := range notes {
		if len(out) == MaxStyleExamples {
			break
		}
		if vocab.IsPart2(n.Program) || n.ClientID == store.SampleClientID {
			continue
		}
		var c Content
		if err := json.Unmarshal([]byte(n.Content), &c); err != nil {
			return nil, fmt.Errorf("a signed note of session %s is not valid JSON: %w", n.SessionID, err)
		}
		text := strings.TrimSpace(NoteText(c.Note))
		if text == "" {
			continue
		}
		res, err := redaction.NewSession().Redact(text)
		if err != nil {
			return nil, fmt.Errorf("redact a style example: %w", err)
		}
		out = append(out, res.Text)
	}
	return out, nil
}

// StyleOf is a stored style as the prompt takes it.
func StyleOf(st store.ClinicianStyle) prompts.Style {
	return prompts.Style{Length: prompts.NoteLength(st.NoteLength), Person: prompts.Person(st.Person), Headings: prompts.Headings(st.Headings), Avoid: st.Avoid}
}

// recordingEnded is when a session's audio ended: the end of a call's
// recording timeline, or the upload of a recording.
func recordingEnded(s store.Session) time.Time {
	if s.ClockStartAt > 0 && s.DurationMS > 0 {
		return time.UnixMilli(s.ClockStartAt + s.DurationMS)
	}
	return time.UnixMilli(s.CreatedAt)
}

// assignRoles has the drafting model name the speaker role of every segment
// of a single-channel recording that has none (summarize.AssignRoles),
// stores the roles in the redacted transcript (so the review page shows
// them and a later draft does not ask again) and audits the call and the
// assignment. A failure is the draft stage's failure.
func (w *Worker) assignRoles(ctx context.Context, sessionID, blobID string, segs []transcript.Segment, llm summarize.LLM, prov store.Provider, attempt int) ([]transcript.Segment, error) {
	started := time.Now()
	res, err := summarize.AssignRoles(ctx, llm, segs, prov.ContextTokens)
	details := map[string]string{"provider": prov.Name, "model": prov.Model, "use": "speaker_roles", "sent": fmt.Sprintf("redacted transcript (%d segments)", len(segs)),
		"prompt_version": res.PromptVersion, "attempt": fmt.Sprint(attempt), "latency_ms": fmt.Sprint(time.Since(started).Milliseconds()),
		"prompt_tokens": fmt.Sprint(res.Usage.Prompt), "completion_tokens": fmt.Sprint(res.Usage.Completion)}
	if err != nil {
		details["error"] = "see stage error"
		if k := modelcall.KindOf(err); k != "" {
			details["error"], details["status"] = string(k), fmt.Sprint(modelcall.StatusCode(err))
		}
		_ = w.Store.Audit(ctx, audit.Event{Actor: "system", Action: "provider.call", EntityType: "session", EntityID: sessionID, Outcome: "failure", Details: details})
		if errors.Is(err, summarize.ErrMalformedOutput) {
			return nil, stagekit.Permanent(err)
		}
		// As for drafting, the provider's own words are the session's reason.
		var pe *modelcall.Error
		if errors.As(err, &pe) {
			err = pe
		}
		if modelcall.IsPermanent(err) {
			return nil, stagekit.Permanent(err)
		}
		return nil, err
	}
	by, low := "", 0
	for _, s := range res.Segments {
		if s.Inferred() {
			by = s.SpeakerBy
			if s.Confidence < 0.6 {
				low++
			}
		}
	}
	body, err := json.Marshal(res.Segments)
	if err != nil {
		return nil, err
	}
	if err := w.Blobs.Put(ctx, blobID, body); err != nil {
		return nil, fmt.Errorf("store the transcript with its speaker roles: %w", err)
	}
	if err := w.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.Audit(ctx, audit.Event{Actor: "system", Action: "provider.call", EntityType: "session", EntityID: sessionID, Details: details}); err != nil {
			return err
		}
		return tx.Audit(ctx, audit.Event{Actor: "system", Action: "transcript.speakers", EntityType: "session", EntityID: sessionID, Details: map[string]string{
			"change": "assigned", "by": by, "segments": fmt.Sprint(res.Assigned), "low_confidence": fmt.Sprint(low)}})
	}); err != nil {
		return nil, err
	}
	return res.Segments, nil
}
