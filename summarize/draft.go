package summarize

import (
	"context"
	"errors"
	"fmt"
	"github.com/scribe-health/scribe/internal/vocab"
	"log/slog"
	"strings"
	"time"

	"github.com/scribe-health/scribe/internal/transcript"
	"github.com/scribe-health/scribe/prompts"
)

// DefaultContextBudgetTokens is used when NoteInput.ContextBudgetTokens is 0.
// Production sets the provider's budget.
const DefaultContextBudgetTokens = 8000

// ConsentState is the consent on file for the session.
type ConsentState struct {
	AIScribe bool `json:"ai_scribe"`
	Part2    bool `json:"part2"`
}

// NoteInput is everything Draft needs about one session.
type NoteInput struct {
	// Logger receives the drafting's log lines (ids and counts, never
	// text; nil: nothing is logged).
	Logger    *slog.Logger
	SessionID string
	Segments  []transcript.Segment // already redacted text
	Format    prompts.Format
	Modality  prompts.Modality // zero value: general psychotherapy
	Group     bool
	Program   string // "sud" or "mh"
	// ContextBudgetTokens bounds each prompt (estimated as chars/4). A
	// session over it is drafted in two passes.
	ContextBudgetTokens int
	Consent             ConsentState
	Part2               bool // the session is a Part 2 record
	MAT                 bool // medication-assisted treatment visit
	// Style is the signing clinician's preferences, given to every drafting
	// call as a delimited section of the instructions (zero: none).
	Style prompts.Style
	// Dictation: the segments are the clinician's dictated recap (one
	// voice), not the session's dialogue; the prompt says so, and no
	// client consent is expected (the recording is the clinician's own).
	Dictation bool
}

// ErrBadInput is wrapped by errors about the NoteInput itself.
var ErrBadInput = errors.New("summarize: bad draft input")

// EstimateTokens is the token estimate used for budgeting: ≈ chars/4.
func EstimateTokens(s string) int { return (len(s) + 3) / 4 }

// minWindowTokens is the least room a pass-1 window must have for segments.
const minWindowTokens = 200

func validateInput(llm LLM, in NoteInput) error {
	if llm == nil {
		return fmt.Errorf("%w: no LLM configured", ErrBadInput)
	}
	if len(in.Segments) == 0 {
		return fmt.Errorf("%w: session %s has no transcript segments", ErrBadInput, in.SessionID)
	}
	if in.Format.ID == "" || len(in.Format.Sections) == 0 {
		return fmt.Errorf("%w: no note format given (see prompts.FormatByID)", ErrBadInput)
	}
	if in.Program != "" && in.Program != string(vocab.ProgramSUD) && in.Program != string(vocab.ProgramMH) {
		return fmt.Errorf("%w: program %q is neither \"sud\" nor \"mh\"", ErrBadInput, in.Program)
	}
	if in.ContextBudgetTokens < 0 {
		return fmt.Errorf("%w: negative context budget %d", ErrBadInput, in.ContextBudgetTokens)
	}
	seen := make(map[string]int, len(in.Segments))
	for i, s := range in.Segments {
		if s.ID == "" {
			return fmt.Errorf("%w: segment at index %d has no ID", ErrBadInput, i)
		}
		if j, dup := seen[s.ID]; dup {
			return fmt.Errorf("%w: segment ID %s appears at index %d and %d", ErrBadInput, safeID(s.ID), j, i)
		}
		seen[s.ID] = i
	}
	return nil
}

func safeID(id string) string {
	if safeName.MatchString(id) {
		return id
	}
	return "(unprintable ID)"
}

// Draft writes a grounded note for one session. The note is an AI draft:
// every statement carries citations, unsupported statements are flagged
// rather than dropped, and gap checks become Flags. It returns
// ErrMalformedOutput when the model's reply stays invalid after one repair
// retry, and ErrBadInput for an unusable NoteInput.
func Draft(ctx context.Context, llm LLM, in NoteInput) (Result, error) {
	start := time.Now()
	if err := validateInput(llm, in); err != nil {
		return Result{}, err
	}
	budget := in.ContextBudgetTokens
	if budget == 0 {
		budget = DefaultContextBudgetTokens
	}
	riskIDs := RiskSegments(in.Segments)
	base := prompts.RenderInput{
		Group: in.Group, Program: in.Program, Part2: in.Part2 || vocab.IsPart2(in.Program),
		MAT: in.MAT || in.Modality.ID == "mat", RiskLanguage: len(riskIDs) > 0,
		Dictation:        in.Dictation,
		Style:            in.Style,
		InferredSpeakers: inferredSpeakers(in.Segments),
	}
	d := &drafter{llm: llm, in: in, schema: &OutputSchema{Name: SchemaName(in.Format), Schema: NoteSchema(in.Format)}}

	single := base
	single.Segments = in.Segments
	sys, user, version := prompts.Render(in.Format, in.Modality, single)
	var note Note
	var err error
	if EstimateTokens(sys)+EstimateTokens(user) <= budget {
		d.res.Passes = 1
		note, err = d.call(ctx, sys, user)
	} else {
		d.res.Passes = 2
		note, version, err = d.twoPass(ctx, base, budget)
	}
	if err != nil {
		in.logger().Warn("summarize: draft failed", "session_id", in.SessionID, "format", in.Format.ID,
			"passes", d.res.Passes, "attempts", d.res.Attempts, "malformed", errors.Is(err, ErrMalformedOutput))
		return Result{}, err
	}
	idx := newSegIndex(in.Segments)
	total, unsupported := idx.groundNote(&note)
	res := d.res
	res.Note = note
	res.PromptVersion = version
	res.Flags = gapChecks(in, note, riskIDs, total, unsupported)
	res.Latency = time.Since(start)
	in.logger().Info("summarize: draft ready", "session_id", in.SessionID, "format", in.Format.ID,
		"prompt_version", version, "model", res.Model, "passes", res.Passes, "attempts", res.Attempts,
		"statements", total, "unsupported", unsupported, "flags", len(res.Flags),
		"prompt_tokens", res.Usage.Prompt, "completion_tokens", res.Usage.Completion, "latency_ms", res.Latency.Milliseconds())
	return res, nil
}

type drafter struct {
	llm    LLM
	in     NoteInput
	schema *OutputSchema
	res    Result
}

// call sends one prompt and validates the reply, retrying once with the
// validation problems fed back.
func (d *drafter) call(ctx context.Context, sys, user string) (Note, error) {
	msgs := []Message{{Role: RoleSystem, Content: sys}, {Role: RoleUser, Content: user}}
	var problems []string
	for attempt := 1; attempt <= 2; attempt++ {
		if err := ctx.Err(); err != nil {
			return Note{}, fmt.Errorf("summarize: session %s: %w", d.in.SessionID, err)
		}
		d.res.Attempts++
		resp, err := d.llm.Chat(ctx, ChatRequest{Messages: msgs, Schema: d.schema})
		if err != nil {
			return Note{}, fmt.Errorf("summarize: session %s: %w", d.in.SessionID, err)
		}
		d.res.Usage.add(resp.Usage)
		if resp.Model != "" {
			d.res.Model = resp.Model
		}
		var note Note
		note, problems = parseNote(d.in.Format, resp.Content)
		if len(problems) == 0 {
			return note, nil
		}
		if resp.FinishReason == "length" {
			problems = append(problems, "reply was cut off at the token limit; write shorter statements")
		}
		d.in.logger().Warn("summarize: model reply failed validation", "session_id", d.in.SessionID, "attempt", attempt, "problems", len(problems))
		msgs = append(msgs,
			Message{Role: RoleAssistant, Content: resp.Content},
			Message{Role: RoleUser, Content: repairMessage(d.in.Format, problems)})
	}
	return Note{}, fmt.Errorf("%w after a repair retry (session %s): %s", ErrMalformedOutput, d.in.SessionID, strings.Join(problems, "; "))
}

func repairMessage(f prompts.Format, problems []string) string {
	var b strings.Builder
	b.WriteString("Your previous reply was rejected because it does not match the required JSON shape:\n")
	for _, p := range problems {
		b.WriteString("- ")
		b.WriteString(p)
		b.WriteString("\n")
	}
	b.WriteString("Reply again with the complete note as one JSON object and nothing else.\n")
	b.WriteString(prompts.OutputContract(f))
	return b.String()
}

// windows splits segments into consecutive windows whose estimated size fits
// room tokens, overlapping by one segment. Every segment is in at least one
// window; a single segment larger than room gets a window of its own rather
// than being cut.
func windows(segs []transcript.Segment, room int) [][]transcript.Segment {
	cost := make([]int, len(segs))
	for i, s := range segs {
		cost[i] = EstimateTokens(prompts.SegmentLine(s))
	}
	var out [][]transcript.Segment
	for start := 0; start < len(segs); {
		end, used := start, 0
		for end < len(segs) && (end == start || used+cost[end] <= room) {
			used += cost[end]
			end++
		}
		out = append(out, segs[start:end])
		if end == len(segs) {
			break
		}
		if next := end - 1; next > start {
			start = next // overlap by one segment so a fact spanning the cut is seen whole
		} else {
			start = end
		}
	}
	return out
}

// maxCondenseRounds bounds the reduction of pass-1 statements (each round
// divides them by the number of batches at least).
const maxCondenseRounds = 4

// condense reduces extracted statements that do not fit one pass-2 prompt:
// they are composed in batches that fit, each batch's note (its statements
// keep their citations) replacing the batch, until all fit or a round stops
// shrinking them. Nothing is dropped: what cannot be condensed is returned
// whole.
func (d *drafter) condense(ctx context.Context, base prompts.RenderInput, budget int, extracted []prompts.Extracted) ([]prompts.Extracted, error) {
	f, m := d.in.Format, d.in.Modality
	empty := base
	empty.Extracted = []prompts.Extracted{}
	sys, user, _ := prompts.Render(f, m, empty)
	room := budget - EstimateTokens(sys) - EstimateTokens(user)
	if room < minWindowTokens {
		return extracted, nil // twoPass checked the window room; this is as tight
	}
	for round := 1; round <= maxCondenseRounds; round++ {
		all := base
		all.Extracted = extracted
		sys, user, _ := prompts.Render(f, m, all)
		if est := EstimateTokens(sys) + EstimateTokens(user); est <= budget {
			return extracted, nil
		} else {
			d.in.logger().Debug("summarize: pass-2 statements over budget", "session_id", d.in.SessionID, "estimated_tokens", est, "budget", budget)
		}
		batches := batchStatements(extracted, room)
		if len(batches) < 2 {
			return extracted, nil // one statement alone is over the budget
		}
		var next []prompts.Extracted
		for i, b := range batches {
			in := base
			in.Extracted = b
			sys, user, _ := prompts.Render(f, m, in)
			note, err := d.call(ctx, sys, user)
			if err != nil {
				return nil, fmt.Errorf("pass 2, condensing batch %d of %d (round %d): %w", i+1, len(batches), round, err)
			}
			for _, sec := range note.Sections {
				for _, st := range sec.Statements {
					next = append(next, prompts.Extracted{Section: sec.Key, Text: st.Text, Citations: st.Citations})
				}
			}
		}
		d.res.Passes++
		d.in.logger().Info("summarize: condensed pass-1 statements", "session_id", d.in.SessionID, "round", round,
			"batches", len(batches), "statements_before", len(extracted), "statements_after", len(next))
		if statementsTokens(next) >= statementsTokens(extracted) {
			return extracted, nil // no progress: keep what we had
		}
		extracted = next
	}
	return extracted, nil
}

// statementTokens estimates one extracted statement as rendered (one JSON
// object per line).
func statementTokens(e prompts.Extracted) int {
	n := len(e.Section) + len(e.Text) + 40
	for _, c := range e.Citations {
		n += len(c) + 3
	}
	return (n + 3) / 4
}

func statementsTokens(ex []prompts.Extracted) int {
	n := 0
	for _, e := range ex {
		n += statementTokens(e)
	}
	return n
}

// batchStatements splits statements, in order, into batches of at most room
// estimated tokens (a statement over room makes a batch of its own).
func batchStatements(ex []prompts.Extracted, room int) [][]prompts.Extracted {
	var out [][]prompts.Extracted
	var cur []prompts.Extracted
	size := 0
	for _, e := range ex {
		t := statementTokens(e)
		if len(cur) > 0 && size+t > room {
			out = append(out, cur)
			cur, size = nil, 0
		}
		cur = append(cur, e)
		size += t
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

func (d *drafter) twoPass(ctx context.Context, base prompts.RenderInput, budget int) (Note, string, error) {
	f, m := d.in.Format, d.in.Modality
	// The fixed cost of a pass-1 prompt, with room for window numbers.
	probe := base
	probe.Window, probe.Windows = 999999, 999999
	sys, user, _ := prompts.Render(f, m, probe)
	room := budget - EstimateTokens(sys) - EstimateTokens(user)
	if room < minWindowTokens {
		return Note{}, "", fmt.Errorf("%w: context budget of %d tokens leaves %d for transcript after the prompt template; need at least %d",
			ErrBadInput, budget, room, minWindowTokens)
	}
	wins := windows(d.in.Segments, room)
	var extracted []prompts.Extracted
	for i, w := range wins {
		in := base
		in.Segments, in.Window, in.Windows = w, i+1, len(wins)
		sys, user, _ := prompts.Render(f, m, in)
		note, err := d.call(ctx, sys, user)
		if err != nil {
			return Note{}, "", fmt.Errorf("pass 1, window %d of %d: %w", i+1, len(wins), err)
		}
		for _, sec := range note.Sections {
			for _, st := range sec.Statements {
				extracted = append(extracted, prompts.Extracted{Section: sec.Key, Text: st.Text, Citations: st.Citations})
			}
		}
	}
	if extracted == nil {
		extracted = []prompts.Extracted{}
	}
	extracted, err := d.condense(ctx, base, budget, extracted)
	if err != nil {
		return Note{}, "", err
	}
	compose := base
	compose.Extracted = extracted
	sys, user, version := prompts.Render(f, m, compose)
	if est := EstimateTokens(sys) + EstimateTokens(user); est > budget {
		// Condensing could not bring the statements under the budget:
		// send them whole rather than drop any.
		d.in.logger().Warn("summarize: pass-2 prompt exceeds context budget", "session_id", d.in.SessionID,
			"estimated_tokens", est, "budget", budget, "statements", len(extracted))
	}
	note, err := d.call(ctx, sys, user)
	if err != nil {
		return Note{}, "", fmt.Errorf("pass 2: %w", err)
	}
	d.in.logger().Info("summarize: two-pass draft", "session_id", d.in.SessionID, "windows", len(wins), "extracted", len(extracted))
	return note, version, nil
}

func (in NoteInput) logger() *slog.Logger {
	if in.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return in.Logger
}

func inferredSpeakers(segs []transcript.Segment) bool {
	for _, s := range segs {
		if s.Inferred() {
			return true
		}
	}
	return false
}
