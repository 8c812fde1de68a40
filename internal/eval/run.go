package eval

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/scribe-health/scribe/internal/audio"
	"github.com/scribe-health/scribe/internal/eval/gold"
	"github.com/scribe-health/scribe/internal/pipeline"
	"github.com/scribe-health/scribe/internal/transcript"
	"github.com/scribe-health/scribe/prompts"
	"github.com/scribe-health/scribe/summarize"
	"github.com/scribe-health/scribe/transcribe"
)

// Provider is a drafting model under evaluation (or the judge), ready to
// call: the caller has already applied the BAA gate to it.
type Provider struct {
	Name  string
	Model string
	LLM   summarize.LLM
	// ContextTokens is the provider's context budget (0: summarize's
	// default), so long sessions are drafted in two passes as in
	// production.
	ContextTokens int
	// Price is what the provider charges, for the cost per note (zero:
	// not priced).
	Price Price
	// Part2Allowed: the provider may receive 42 CFR Part 2 records. Gold
	// sessions of the substance-use program are not sent to one that may
	// not (they are reported as skipped).
	Part2Allowed bool
}

// Price is a provider's price in US dollars per million tokens.
type Price struct {
	Prompt     float64 `json:"prompt_per_mtok"`
	Completion float64 `json:"completion_per_mtok"`
}

// Cost is the price of a note's tokens.
func (p Price) Cost(prompt, completion int) float64 {
	return (p.Prompt*float64(prompt) + p.Completion*float64(completion)) / 1e6
}

// Audio is the spoken path: each turn is synthesised and sent to the
// transcription provider, and its words become the turn's segment.
type Audio struct {
	// Synthesize returns 16 kHz mono 16-bit speech for text (nil: flite
	// -voice rms, see Flite).
	Synthesize  func(ctx context.Context, text string) ([]int16, error)
	Transcriber transcribe.Transcriber
	// Name of the transcription provider, for the report.
	Name         string
	Part2Allowed bool
}

// Options is one evaluation.
type Options struct {
	// Sessions to run (nil: the whole gold set).
	Sessions  []*gold.Session
	Providers []Provider
	// Judge, when set, reads every note a second time (model-as-judge).
	Judge *Provider
	// Template overrides each session's note template ("" keeps it).
	Template string
	// Runs is how many times each session is drafted by each provider (at
	// least 1): models are not deterministic.
	Runs  int
	Audio *Audio
	// Logger gets ids and counts, never transcript text (nil: none).
	Logger *slog.Logger
	Now    func() time.Time
}

// ErrNoProvider is returned when Options names no drafting provider.
var ErrNoProvider = errors.New("no drafting provider to evaluate")

// Run drafts every gold session with every provider through the
// pipeline's stages and scores the notes.
func Run(ctx context.Context, opt Options) (*Report, error) {
	if len(opt.Providers) == 0 {
		return nil, ErrNoProvider
	}
	if opt.Runs < 1 {
		opt.Runs = 1
	}
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	now := time.Now
	if opt.Now != nil {
		now = opt.Now
	}
	sessions := opt.Sessions
	if sessions == nil {
		var err error
		if sessions, err = gold.Load(); err != nil {
			return nil, err
		}
	}
	var override prompts.Format
	if opt.Template != "" {
		var err error
		if override, err = prompts.FormatByID(opt.Template); err != nil {
			return nil, err
		}
	}
	rep := &Report{Generated: now().UTC(), GoldSessions: len(sessions), Runs: opt.Runs, Template: opt.Template,
		Notice: Notice, Path: "text"}
	if opt.Audio != nil {
		rep.Path = "audio via " + opt.Audio.Name
	}
	if opt.Judge != nil {
		rep.Judge = opt.Judge.Name
	}
	byProvider := map[string][]SessionScore{}
	for _, s := range sessions {
		f := override
		if opt.Template == "" {
			var err error
			if f, err = prompts.FormatByID(s.Template); err != nil {
				return nil, fmt.Errorf("gold session %s: %w", s.ID, err)
			}
		}
		if s.Group && !f.Group && opt.Template == "" {
			if g, err := prompts.FormatByID("group"); err == nil {
				f = g
			}
		}
		modality, err := prompts.ModalityByID(s.Modality)
		if err != nil {
			return nil, fmt.Errorf("gold session %s: %w", s.ID, err)
		}
		segs := Segments(s)
		skipAll := ""
		if opt.Audio != nil {
			if s.Part2() && !opt.Audio.Part2Allowed {
				skipAll = "not sent: the transcription provider may not receive Part 2 records"
			} else if segs, err = spoken(ctx, opt.Audio, s); err != nil {
				return nil, fmt.Errorf("gold session %s, spoken path: %w", s.ID, err)
			}
		}
		redacted, _, _, err := pipeline.RedactSegments(segs)
		if err != nil {
			return nil, fmt.Errorf("gold session %s: %w", s.ID, err)
		}
		for _, p := range opt.Providers {
			for run := 1; run <= opt.Runs; run++ {
				var sc SessionScore
				switch {
				case skipAll != "":
					sc = blank(s, f)
					sc.Skipped = skipAll
				case s.Part2() && !p.Part2Allowed:
					sc = blank(s, f)
					sc.Skipped = "not sent: the provider may not receive Part 2 records"
				default:
					res, err := summarize.Draft(ctx, p.LLM, summarize.NoteInput{
						Logger: log, SessionID: "gold-" + s.ID, Segments: redacted, Format: f, Modality: modality,
						Group: s.Group, Program: s.Program, ContextBudgetTokens: p.ContextTokens,
						Consent: summarize.ConsentState{AIScribe: s.Consent, Part2: s.Part2()}, Part2: s.Part2(), MAT: modality.ID == "mat",
					})
					if err != nil {
						if ctx.Err() != nil {
							return nil, ctx.Err()
						}
						sc = Failed(s, f, err)
					} else {
						sc = Score(s, f, redacted, res)
						if j := opt.Judge; j != nil && (!s.Part2() || j.Part2Allowed) {
							v := judgeNote(ctx, j.LLM, s, redacted, res.Note)
							sc.Judge = &v
						}
					}
				}
				sc.Provider, sc.Run = p.Name, run
				log.Info("eval: note scored", "session", s.ID, "provider", p.Name, "run", run,
					"missing", len(sc.Missing), "hallucinated", len(sc.Hallucinated), "skipped", sc.Skipped != "", "failed", sc.Error != "")
				byProvider[p.Name] = append(byProvider[p.Name], sc)
				rep.Sessions = append(rep.Sessions, sc)
			}
		}
	}
	for _, p := range opt.Providers {
		sum := Summarize(p.Name, byProvider[p.Name])
		sum.Model = p.Model
		if p.Price != (Price{}) {
			sum.Price = &p.Price
			sum.MeanCostUSD = p.Price.Cost(int(sum.MeanPromptTokens), int(sum.MeanCompletionTokens))
		}
		if opt.Judge != nil {
			sum.Judge = summarizeJudge(opt.Judge.Name, byProvider[p.Name])
		}
		rep.Summaries = append(rep.Summaries, sum)
	}
	rank(rep.Summaries)
	return rep, nil
}

// spoken sends each turn of s, synthesised, to the transcription provider
// and returns one segment a turn (the turn's ID and clock, the recognised
// words as its text).
func spoken(ctx context.Context, a *Audio, s *gold.Session) ([]transcript.Segment, error) {
	synth := a.Synthesize
	if synth == nil {
		synth = Flite
	}
	out := Segments(s)
	for i, t := range s.Turns {
		pcm, err := synth(ctx, t.Text)
		if err != nil {
			return nil, fmt.Errorf("synthesise turn %s: %w", t.ID, err)
		}
		pieces, err := a.Transcriber.Transcribe(ctx, audio.EncodeWAV(pcm, 16000))
		if err != nil {
			return nil, fmt.Errorf("transcribe turn %s: %w", t.ID, err)
		}
		var words []string
		for _, p := range pieces {
			if w := strings.TrimSpace(p.Text); w != "" {
				words = append(words, w)
			}
		}
		out[i].Text = strings.Join(words, " ")
		if out[i].Text == "" {
			out[i].Text = "(inaudible)"
		}
	}
	return out, nil
}

// Flite synthesises text with `flite -voice rms` and returns it as 16 kHz
// mono samples.
func Flite(ctx context.Context, text string) ([]int16, error) {
	bin, err := exec.LookPath("flite")
	if err != nil {
		return nil, errors.New("flite is not installed (apt-get install flite); the spoken path needs it")
	}
	dir, err := os.MkdirTemp("", "scribe-eval")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	p := filepath.Join(dir, "turn.wav")
	// #nosec G204 -- flite from PATH; the text is a gold-set turn passed as one argument, no shell
	if out, err := exec.CommandContext(ctx, bin, "-voice", "rms", "-t", text, "-o", p).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("flite: %v (%d bytes of output)", err, len(out))
	}
	b, err := os.ReadFile(p) // #nosec G304 -- the file flite just wrote in our own temporary directory
	if err != nil {
		return nil, err
	}
	_, ch, err := audio.Decode16k(bytes.NewReader(b), audio.Options{})
	if err != nil {
		return nil, fmt.Errorf("decode flite's speech: %w", err)
	}
	return ch[0], nil
}
