package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/scribe-health/scribe/drafts"
	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/eval"
	"github.com/scribe-health/scribe/internal/eval/gold"
	"github.com/scribe-health/scribe/internal/modelcall"
	"github.com/scribe-health/scribe/internal/pipeline"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/validate"
	"github.com/scribe-health/scribe/prompts"
	"github.com/scribe-health/scribe/transcribe"
)

// The inputs of an evaluation, in the domain's words.
const (
	FieldEvalProvider Field = "drafting provider to evaluate"
	FieldEvalJudge    Field = "judge provider"
	FieldEvalRuns     Field = "runs per session"
	FieldEvalSession  Field = "gold session"
	FieldEvalPrice    Field = "provider price"
)

// MaxEvalRuns bounds how many times each gold session is drafted per
// provider in one evaluation.
const MaxEvalRuns = 20

// EvalInput is an evaluation of note quality on the gold set.
type EvalInput struct {
	// Providers are the drafting providers to compare, by name; none means
	// the configured drafting provider.
	Providers []string
	// AllProviders evaluates every configured drafting provider (the
	// nightly run); Providers is then ignored.
	AllProviders bool
	// Judge names a drafting provider that reads every note a second time
	// (model-as-judge); "" means none.
	Judge string
	// Template overrides each gold session's note template ("" keeps it).
	Template string
	// Sessions limits the run to these gold sessions, by ID (none: all).
	Sessions []string
	// Runs per session and provider (0 means 1).
	Runs int
	// Audio synthesises each session and sends it through the configured
	// transcription provider first.
	Audio bool
	// Prices are the providers' prices by name, for the cost per note
	// (a provider not named is not priced).
	Prices map[string]eval.Price
	// Policy is how model calls retry (zero: modelcall's defaults).
	Policy modelcall.Policy
}

// RunEval runs the SYNTHETIC gold set through the pipeline's stages with
// each named drafting provider and scores the notes (internal/eval). The
// BAA gate applies as for a session: a provider without a BAA in force
// that is not self-hosted is refused before anything is sent, and gold
// sessions of the substance-use program go only to providers allowed Part
// 2 records (the others report them as skipped). The run is audited before
// any call. Admins only.
func (s *Service) RunEval(ctx context.Context, by store.User, in EvalInput) (*eval.Report, error) {
	if err := requireRole(by, "run a note-quality evaluation", adminOnly...); err != nil {
		return nil, err
	}
	if in.Runs == 0 {
		in.Runs = 1
	}
	if err := validate.Int(FieldEvalRuns, in.Runs, 1, MaxEvalRuns); err != nil {
		return nil, err
	}
	if in.Template != "" {
		if _, err := prompts.FormatByID(in.Template); err != nil {
			var ids []string
			for _, f := range prompts.Formats() {
				ids = append(ids, f.ID)
			}
			return nil, &ValidationError{Field: pipeline.FieldTemplate, Value: in.Template, Allowed: ids}
		}
	}
	sessions, err := gold.Load()
	if err != nil {
		return nil, err
	}
	if len(in.Sessions) > 0 {
		var ids []string
		byID := map[string]*gold.Session{}
		for _, g := range sessions {
			ids = append(ids, g.ID)
			byID[g.ID] = g
		}
		var chosen []*gold.Session
		for _, id := range in.Sessions {
			g, ok := byID[strings.TrimSpace(id)]
			if !ok {
				return nil, &ValidationError{Field: FieldEvalSession, Value: id, Problem: "is not a session of the gold set", Allowed: ids}
			}
			chosen = append(chosen, g)
		}
		sessions = chosen
	}
	all, err := s.Store.Providers(ctx, "drafting")
	if err != nil {
		return nil, fmt.Errorf("read the providers: %w", err)
	}
	var names []string
	for _, p := range all {
		names = append(names, p.Name)
	}
	if in.AllProviders {
		in.Providers = names
		if len(names) == 0 {
			return nil, notFound("no drafting provider is configured; add one before evaluating")
		}
	}
	if len(in.Providers) == 0 {
		p, err := s.Store.ProviderFor(ctx, "drafting")
		if err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return nil, notFound("no drafting provider is configured; add one before evaluating")
			}
			return nil, err
		}
		in.Providers = []string{p.Name}
	}
	byName := func(field Field, name string) (store.Provider, error) {
		for _, p := range all {
			if p.Name == strings.TrimSpace(name) {
				return p, nil
			}
		}
		ve := &ValidationError{Field: field, Value: name, Problem: "is not a drafting provider", Allowed: names}
		if len(names) == 0 {
			ve.Hint = "no drafting provider is configured yet; add one first"
		}
		return store.Provider{}, ve
	}
	now := s.now()
	open := func(field Field, name string) (eval.Provider, error) {
		p, err := byName(field, name)
		if err != nil {
			return eval.Provider{}, err
		}
		if err := p.CheckSend(now, false); err != nil {
			// The refusal is on record, as the drafting stage records one.
			_ = s.Store.InTx(ctx, func(tx *store.Tx) error {
				return tx.Audit(ctx, event(by, audit.Event{Action: "eval.run", EntityType: "provider", EntityID: p.Name, Outcome: "failure",
					Details: map[string]string{"refused": "baa_gate", "data": "SYNTHETIC gold set"}}))
			})
			return eval.Provider{}, as(ErrForbidden, err)
		}
		llm, err := drafts.NewOpenAILLM(p, in.Policy)
		if err != nil {
			return eval.Provider{}, err
		}
		return eval.Provider{Name: p.Name, Model: p.Model, LLM: llm, ContextTokens: p.ContextTokens, Part2Allowed: p.CheckSend(now, true) == nil}, nil
	}
	for name, pr := range in.Prices {
		if !slices.Contains(in.Providers, name) {
			return nil, &ValidationError{Field: FieldEvalPrice, Value: name, Problem: "names a provider this evaluation does not use", Allowed: in.Providers}
		}
		if pr.Prompt < 0 || pr.Completion < 0 {
			return nil, &ValidationError{Field: FieldEvalPrice, Value: name, Problem: "is negative", Hint: "give US dollars per million tokens, zero or more"}
		}
	}
	opt := eval.Options{Sessions: sessions, Template: in.Template, Runs: in.Runs, Logger: s.Store.Logger(), Now: s.now}
	seen := map[string]bool{}
	for _, name := range in.Providers {
		if seen[name] {
			continue
		}
		seen[name] = true
		p, err := open(FieldEvalProvider, name)
		if err != nil {
			return nil, err
		}
		p.Price = in.Prices[name]
		opt.Providers = append(opt.Providers, p)
	}
	if in.Judge != "" {
		j, err := open(FieldEvalJudge, in.Judge)
		if err != nil {
			return nil, err
		}
		opt.Judge = &j
	}
	details := map[string]string{"providers": strings.Join(in.Providers, ","), "judge": in.Judge, "template": in.Template,
		"runs": strconv.Itoa(in.Runs), "sessions": strconv.Itoa(len(sessions)), "audio": strconv.FormatBool(in.Audio), "data": "SYNTHETIC gold set"}
	if in.Audio {
		tp, err := s.Store.ProviderFor(ctx, "transcription")
		if err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return nil, notFound("no transcription provider is configured; the spoken evaluation needs one")
			}
			return nil, err
		}
		if err := tp.CheckSend(now, false); err != nil {
			return nil, as(ErrForbidden, err)
		}
		tr, err := transcribe.NewOpenAI(tp, in.Policy)
		if err != nil {
			return nil, err
		}
		opt.Audio = &eval.Audio{Transcriber: tr, Name: tp.Name, Part2Allowed: tp.CheckSend(now, true) == nil}
		details["transcription"] = tp.Name
	}
	if err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		return tx.Audit(ctx, event(by, audit.Event{Action: "eval.run", EntityType: "provider", EntityID: strings.Join(in.Providers, ","), Details: details}))
	}); err != nil {
		return nil, fmt.Errorf("audit the evaluation: %w", err)
	}
	return eval.Run(ctx, opt)
}
