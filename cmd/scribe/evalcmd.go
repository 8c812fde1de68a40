package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	service "github.com/scribe-health/scribe/internal/app"
	"github.com/scribe-health/scribe/internal/eval"
	"github.com/scribe-health/scribe/internal/validate"
)

// listFlag is a flag that may be given several times (and takes
// comma-separated values).
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(v string) error {
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			*l = append(*l, p)
		}
	}
	return nil
}

func cmdEval(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("eval", `eval [--provider NAME … | --all] [--session ID …] [--template T] [--runs N] [--audio] [--judge NAME] [--price NAME=IN/OUT …] [--format text|json|html] [--out FILE]

Runs Scribe's SYNTHETIC gold set of behavioral-health sessions through the pipeline's stages
(redaction, drafting with each provider, grounding, gap checks; with --audio, synthesised speech
through the transcription provider first) and scores every note: omissions, hallucinations,
citation precision, risk and medication recall and precision, distractor leakage, template
compliance, latency and tokens. Several providers are compared side by side and ranked.
The BAA gate applies: a provider without a BAA in force that is not self-hosted is refused.
docs/quality.md explains each figure.`, stderr)
	act := registerActing(fs)
	var providers listFlag
	fs.Var(&providers, "provider", "a drafting provider to evaluate, by name (repeat or comma-separate for several; default: the configured drafting provider)")
	var prices listFlag
	fs.Var(&prices, "price", "a provider's price for the cost per note: NAME=PROMPT/COMPLETION in US dollars per million tokens (repeat for several)")
	all := fs.Bool("all", false, "evaluate every configured drafting provider (instead of --provider)")
	var sessions listFlag
	fs.Var(&sessions, "session", "only this gold session, by ID (repeat for several; default: all of them)")
	template := fs.String("template", "", "note template for every session (default: each session's own)")
	runs := fs.Int("runs", 1, fmt.Sprintf("times each session is drafted by each provider (1–%d)", service.MaxEvalRuns))
	audio := fs.Bool("audio", false, "synthesise each session (flite) and send it through the transcription provider first")
	judge := fs.String("judge", "", "a second drafting provider that judges every note (reported apart)")
	format := fs.String("format", "text", "report format: "+strings.Join(eval.Formats, ", "))
	out := fs.String("out", "", "write the report to this file instead of standard output")
	from := fs.String("from", "", "render a saved JSON report (from --format json) again instead of running; calls no model")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if err := validate.OneOf("format", *format, eval.Formats...); err != nil {
		return err
	}
	if *from != "" {
		b, err := os.ReadFile(*from) // #nosec G304 -- the operator names the file on the command line
		if err != nil {
			return fmt.Errorf("read the saved report: %w", err)
		}
		var rep eval.Report
		if err := json.Unmarshal(b, &rep); err != nil || len(rep.Summaries) == 0 {
			return fmt.Errorf("%s is not a report written by scribe eval --format json", *from)
		}
		return writeReport(&rep, *format, *out, stdout)
	}
	priced, err := parsePrices(prices)
	if err != nil {
		return err
	}
	x, err := act.open(ctx)
	if err != nil {
		return err
	}
	defer x.Close()
	rep, err := x.svc.RunEval(ctx, x.by, service.EvalInput{Providers: providers, AllProviders: *all, Prices: priced, Sessions: sessions, Judge: *judge, Template: *template, Runs: *runs, Audio: *audio})
	if err != nil {
		return err
	}
	return writeReport(rep, *format, *out, stdout)
}

// writeReport renders the report to out, or to stdout when out is empty
// (then with a one-line summary per provider on stdout).
func writeReport(rep *eval.Report, format, out string, stdout io.Writer) error {
	var buf bytes.Buffer
	if err := rep.Write(&buf, format); err != nil {
		return err
	}
	if out == "" {
		_, err := stdout.Write(buf.Bytes())
		return err
	}
	if err := os.WriteFile(out, buf.Bytes(), 0o600); err != nil {
		return fmt.Errorf("write the report: %w", err)
	}
	for _, s := range rep.Summaries {
		fmt.Fprintf(stdout, "%d. %s: quality %.3f, omissions %.1f%%, hallucinations %.1f%%, %d notes\n", s.Rank, s.Provider, s.Quality, 100*s.OmissionRate, 100*s.HallucinationRate, s.Notes)
	}
	fmt.Fprintf(stdout, "report written to %s\n", out)
	return nil
}

// parsePrices reads --price NAME=PROMPT/COMPLETION values.
func parsePrices(vals []string) (map[string]eval.Price, error) {
	out := map[string]eval.Price{}
	for _, v := range vals {
		bad := &validate.Error{Field: service.FieldEvalPrice, Value: v,
			Hint: "use NAME=PROMPT/COMPLETION in US dollars per million tokens, e.g. azure-gpt=2.5/10"}
		name, rate, ok := strings.Cut(v, "=")
		in, outRate, ok2 := strings.Cut(rate, "/")
		if !ok || !ok2 || strings.TrimSpace(name) == "" {
			return nil, bad
		}
		p, err1 := strconv.ParseFloat(strings.TrimSpace(in), 64)
		c, err2 := strconv.ParseFloat(strings.TrimSpace(outRate), 64)
		if err1 != nil || err2 != nil {
			return nil, bad
		}
		out[strings.TrimSpace(name)] = eval.Price{Prompt: p, Completion: c}
	}
	return out, nil
}
