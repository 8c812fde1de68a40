package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/scribe-health/scribe/internal/store"
)

func cmdProvider(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return dispatch(ctx, args, stdout, stderr, "Usage: scribe provider add --name N --kind openai|azure --base-url URL --model M --api-key-env VAR --use transcription|drafting [...] | list [--json]",
		map[string]runFunc{"add": providerAdd, "list": providerList})
}

func providerAdd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("provider add", "provider add --name N --kind openai|azure --base-url URL --model M --api-key-env VAR --use transcription|drafting [--self-hosted] [--baa-signed YYYY-MM-DD --baa-expires YYYY-MM-DD] [--zero-retention] [--part2-allowed] [--context-tokens N] [--diarization diarized_json|verbose_json]", stderr)
	act := registerActing(fs)
	var p store.Provider
	fs.StringVar(&p.Name, "name", "", "provider name (required)")
	fs.StringVar(&p.Kind, "kind", store.KindOpenAI, "openai (OpenAI or any OpenAI-compatible server: vLLM, Ollama, whisper servers) or azure")
	fs.StringVar(&p.BaseURL, "base-url", "", "API base URL, e.g. https://api.openai.com/v1, http://gpu-box:8000/v1, or the Azure resource endpoint (required)")
	fs.StringVar(&p.Model, "model", "", "model name (Azure: deployment name) (required)")
	fs.StringVar(&p.APIKeyEnv, "api-key-env", "", "name of the environment variable holding the API key (the key itself is never stored)")
	fs.StringVar(&p.Use, "use", "", "transcription, drafting or redaction (required; redaction: a self-hosted second opinion for the redact stage)")
	fs.BoolVar(&p.SelfHosted, "self-hosted", false, "runs on the organisation's own network (no BAA needed)")
	fs.StringVar(&p.BAASigned, "baa-signed", "", "date the Business Associate Agreement was signed (YYYY-MM-DD)")
	fs.StringVar(&p.BAAExpires, "baa-expires", "", "date the BAA expires (YYYY-MM-DD)")
	fs.BoolVar(&p.ZeroRetention, "zero-retention", false, "the provider retains no request data")
	fs.BoolVar(&p.Part2Allowed, "part2-allowed", false, "42 CFR Part 2 records may be sent to this provider")
	fs.IntVar(&p.ContextTokens, "context-tokens", 0, "drafting: the model's usable context budget in tokens (longer sessions are drafted in two passes; default 8000)")
	noSchema := fs.Bool("no-json-schema", false, "drafting: the server lacks response_format json_schema (use json_object)")
	fs.StringVar(&p.AzureAPIVersion, "azure-api-version", "", "azure: API version override")
	fs.StringVar(&p.Diarization, "diarization", "", "transcription: the server tells the voices of one channel apart, answering diarized_json (OpenAI's diarizing models) or verbose_json with a speaker per segment (default: none; then the drafting model infers speaker roles, marked as inferred)")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	p.JSONSchema = !*noSchema
	if err := p.Validate(); err != nil {
		return err // before the data directory is touched
	}
	x, err := act.open(ctx)
	if err != nil {
		return err
	}
	defer x.Close()
	if _, err := x.svc.PutProvider(ctx, x.by, p); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "provider %s saved for %s: %s\n", p.Name, p.Use, baaStatus(p, time.Now()))
	return nil
}

func baaStatus(p store.Provider, now time.Time) string {
	switch {
	case p.SelfHosted:
		return "self-hosted (no BAA needed)"
	case p.BAAActive(now):
		exp, _ := time.Parse(time.DateOnly, p.BAAExpires)
		days := int(exp.Sub(now.UTC().Truncate(24*time.Hour)).Hours() / 24)
		if days <= 30 {
			return fmt.Sprintf("BAA active, EXPIRES IN %d DAYS (%s)", days, p.BAAExpires)
		}
		return "BAA active until " + p.BAAExpires
	case p.BAASigned != "":
		return "BAA NOT IN FORCE (" + p.BAASigned + " to " + p.BAAExpires + "): nothing will be sent"
	default:
		return "NO BAA: nothing will be sent until one is recorded"
	}
}

func providerList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("provider list", "provider list [--json]", stderr)
	var cfg config
	cfg.register(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	a, err := openApp(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	ps, err := a.store.Providers(ctx, "")
	if err != nil {
		return err
	}
	if *asJSON {
		if ps == nil {
			ps = []store.Provider{}
		}
		return writeJSON(stdout, ps)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tUSE\tKIND\tMODEL\tBASE URL\tKEY ENV\tCOMPLIANCE\tZERO-RET\tPART 2")
	for _, p := range ps {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%v\t%v\n", p.Name, p.Use, p.Kind, p.Model, p.BaseURL, p.APIKeyEnv, baaStatus(p, time.Now()), p.ZeroRetention, p.Part2Allowed)
	}
	return tw.Flush()
}
