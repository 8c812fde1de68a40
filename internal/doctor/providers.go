package doctor

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/scribe-health/scribe/internal/modelcall"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/summarize"
	"github.com/scribe-health/scribe/transcribe"
)

func checkProviders(ctx context.Context, opt Options) []Result {
	ps, err := opt.Store.Providers(ctx, "")
	if err != nil {
		return []Result{{Check: "Model providers", Status: Fail, Detail: "the providers cannot be read from the database: " + oneLine(err),
			Fix: "Check the database (see the database check above)."}}
	}
	var out []Result
	for _, use := range []string{store.UseTranscription, store.UseDrafting} {
		n := 0
		for _, p := range ps {
			if p.Use == use {
				n++
			}
		}
		if n == 0 {
			out = append(out, Result{Check: "Model providers", Status: Warn,
				Detail: "no " + use + " provider is set up: sessions stop at " + map[string]string{store.UseTranscription: "transcription", store.UseDrafting: "drafting"}[use],
				Fix:    "Add one under Admin → Model providers (or with scribe provider add); the README's quick start sets up a local speech server and Ollama."})
		}
	}
	for _, p := range ps {
		out = append(out, checkProvider(ctx, opt, p)...)
	}
	return out
}

// CheckProvider runs one provider's checks (BAA, key, model list and,
// unless opt.SkipModelCalls, the round trip) as `scribe doctor` does: the
// first-run wizard's Test button uses it.
func CheckProvider(ctx context.Context, opt Options, p store.Provider) []Result {
	opt.defaults()
	return checkProvider(ctx, opt, p)
}

// CheckReachable is the admin page's Test button: the provider's key is
// set here and its model list answers (no PHI is sent). Its Status is Fail
// when the provider cannot be used as configured.
func CheckReachable(ctx context.Context, opt Options, p store.Provider) Result {
	opt.defaults()
	if p.APIKeyEnv != "" && opt.Getenv(p.APIKeyEnv) == "" {
		return missingKey(p)
	}
	r, _ := checkModels(ctx, opt, p)
	r.Check = fmt.Sprintf("Provider %s (%s): reachable", p.Name, p.Use)
	return r
}

// missingKey is the result for a provider whose API key is not set here.
func missingKey(p store.Provider) Result {
	return Result{Check: fmt.Sprintf("Provider %s (%s): reachable", p.Name, p.Use), Status: Fail,
		Detail: "the environment variable " + p.APIKeyEnv + ", which holds its API key, is not set here",
		Fix:    "Set " + p.APIKeyEnv + " where scribe serve runs (and where you run this check), then restart Scribe."}
}

// checkProvider checks one provider: BAA, key, model list, round trip.
func checkProvider(ctx context.Context, opt Options, p store.Provider) []Result {
	name := fmt.Sprintf("Provider %s (%s)", p.Name, p.Use)
	baa := checkBAA(opt.Now(), p)
	baa.Check = name + ": BAA"
	out := []Result{baa}
	if p.APIKeyEnv != "" && opt.Getenv(p.APIKeyEnv) == "" {
		return append(out, missingKey(p))
	}
	reach, listed := checkModels(ctx, opt, p)
	reach.Check = name + ": reachable"
	out = append(out, reach)
	if reach.Status == Fail || !listed {
		return out
	}
	trip := Result{Check: name + ": " + map[string]string{store.UseTranscription: "one-second transcription", store.UseDrafting: "structured chat answer"}[p.Use]}
	switch {
	case opt.SkipModelCalls:
		return out
	case p.CheckSend(opt.Now(), false) != nil:
		trip.Status, trip.Detail = Warn, "not tried: Scribe sends nothing to this provider until its BAA is in force (see above)"
		trip.Fix = baa.Fix
	case p.Use == store.UseTranscription:
		trip = roundTripTranscription(ctx, opt, p, trip)
	default:
		trip = roundTripChat(ctx, opt, p, trip)
	}
	return append(out, trip)
}

func checkBAA(now time.Time, p store.Provider) Result {
	var r Result
	if p.SelfHosted {
		r.Status, r.Detail = OK, "self-hosted: no BAA needed"
		return r
	}
	if p.BAASigned == "" || p.BAAExpires == "" {
		r.Status, r.Detail = Fail, "no BAA is recorded and the provider is not marked self-hosted: Scribe sends it nothing, so sessions fail at this stage"
		r.Fix = "Record the BAA's signing and end dates on the provider (Admin → Model providers), or mark it self-hosted if it runs on your own machines."
		return r
	}
	signed, err1 := time.Parse(time.DateOnly, p.BAASigned)
	expires, err2 := time.Parse(time.DateOnly, p.BAAExpires)
	if err1 != nil || err2 != nil {
		r.Status, r.Detail = Fail, "the BAA dates are not dates"
		r.Fix = "Record the BAA dates again as YYYY-MM-DD on Admin → Model providers."
		return r
	}
	day := now.UTC().Truncate(24 * time.Hour)
	switch {
	case day.Before(signed):
		r.Status, r.Detail = Fail, "the BAA starts on "+p.BAASigned+": until then Scribe sends this provider nothing"
		r.Fix = "Check the BAA's start date, or use another provider until then."
	case day.After(expires):
		r.Status, r.Detail = Fail, "the BAA expired on "+p.BAAExpires+": Scribe sends this provider nothing, so sessions fail at this stage"
		r.Fix = "Record the renewed BAA's dates on Admin → Model providers, or switch to a self-hosted provider."
	case expires.Sub(day) < BAAWarnWithin:
		days := int(expires.Sub(day).Hours() / 24)
		r.Status, r.Detail = Warn, fmt.Sprintf("the BAA ends on %s, %d day(s) from today", p.BAAExpires, days)
		r.Fix = "Renew the BAA with the provider and record the new end date before it lapses, or sessions will fail."
	default:
		r.Status, r.Detail = OK, "BAA in force until "+p.BAAExpires
	}
	return r
}

// checkModels reads the provider's model list. listed is true when the
// model is on it, or when the server keeps no list the check can read.
func checkModels(ctx context.Context, opt Options, p store.Provider) (Result, bool) {
	var r Result
	base := strings.TrimRight(p.BaseURL, "/")
	u := base + "/models"
	if p.Kind == store.KindAzure {
		v := p.AzureAPIVersion
		if v == "" {
			v = "2024-10-21"
		}
		u = base + "/openai/models?api-version=" + url.QueryEscape(v)
	}
	cctx, cancel := context.WithTimeout(ctx, opt.CallTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(cctx, http.MethodGet, u, nil)
	if err != nil {
		r.Status, r.Detail, r.Fix = Fail, "the base URL is not usable", "Correct the provider's base URL on Admin → Model providers."
		return r, false
	}
	if p.APIKeyEnv != "" {
		key := opt.Getenv(p.APIKeyEnv)
		if p.Kind == store.KindAzure {
			req.Header.Set("api-key", key)
		} else {
			req.Header.Set("Authorization", "Bearer "+key)
		}
	}
	host := req.URL.Host
	start := time.Now()
	resp, err := (&http.Client{Transport: opt.Transport}).Do(req)
	if err != nil {
		r.Status, r.Detail = Fail, "no answer from "+host+": "+transportWords(err)
		r.Fix = "Check that the model server is running and that the base URL (" + base + ") is right and reachable from this machine."
		return r, false
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	took := time.Since(start).Round(time.Millisecond)
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		r.Status, r.Detail = Fail, fmt.Sprintf("%s refused the API key (HTTP %d)", host, resp.StatusCode)
		r.Fix = "Put a valid key in " + keyPlace(p) + " and restart Scribe."
		return r, false
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusMethodNotAllowed:
		r.Status, r.Detail = Warn, fmt.Sprintf("%s answers but keeps no model list at %s (HTTP %d), so the model name cannot be checked here", host, "/models", resp.StatusCode)
		r.Fix = "Check that the base URL ends where the API starts (usually /v1); the round trip below shows whether the model answers."
		return r, true
	case resp.StatusCode >= 500:
		r.Status, r.Detail = Fail, fmt.Sprintf("%s is failing (HTTP %d on its model list)", host, resp.StatusCode)
		r.Fix = "Check the model server's own logs and restart it; sessions are retried while it is down but fail if it stays down."
		return r, false
	case resp.StatusCode != http.StatusOK:
		r.Status, r.Detail = Fail, fmt.Sprintf("%s answered HTTP %d to its model list", host, resp.StatusCode)
		r.Fix = "Check the provider's base URL and kind on Admin → Model providers."
		return r, false
	}
	if p.Kind == store.KindAzure {
		r.Status, r.Detail = OK, fmt.Sprintf("%s answered in %s (Azure deployments are checked by the round trip)", host, took)
		return r, true
	}
	var list struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &list); err != nil {
		r.Status, r.Detail = Warn, host+" answered, but its model list is not the OpenAI-compatible JSON this check reads"
		r.Fix = "Check that the base URL points at the OpenAI-compatible API (usually ending in /v1)."
		return r, true
	}
	var ids []string
	for _, m := range list.Data {
		if m.ID == p.Model {
			r.Status, r.Detail = OK, fmt.Sprintf("%s answered in %s and lists the model %s", host, took, p.Model)
			return r, true
		}
		ids = append(ids, m.ID)
	}
	sort.Strings(ids)
	shown := strings.Join(ids, ", ")
	if len(ids) > 12 {
		shown = strings.Join(ids[:12], ", ") + fmt.Sprintf(" and %d more", len(ids)-12)
	}
	if shown == "" {
		shown = "none"
	}
	r.Status, r.Detail = Fail, fmt.Sprintf("%s answers, but does not list the model %s (it lists: %s)", host, p.Model, shown)
	r.Fix = "Correct the model name on the provider (Admin → Model providers), or load the model on the server (for Ollama: ollama pull " + p.Model + ")."
	return r, false
}

func keyPlace(p store.Provider) string {
	if p.APIKeyEnv != "" {
		return "the environment variable " + p.APIKeyEnv
	}
	return "an environment variable named on the provider (API key variable)"
}

func transportWords(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) && ue.Timeout() {
		return "no answer in time"
	}
	s := err.Error()
	switch {
	case strings.Contains(s, "connection refused"):
		return "connection refused (nothing listens there)"
	case strings.Contains(s, "no such host"):
		return "the host name is not known"
	}
	return oneLine(err)
}

// policy makes one attempt per call: the check reports what it sees now.
func (o Options) policy() modelcall.Policy {
	return modelcall.Policy{MaxAttempts: 1, AttemptTimeout: o.CallTimeout, Transport: o.Transport}
}

func roundTripTranscription(ctx context.Context, opt Options, p store.Provider, r Result) Result {
	t, err := transcribe.NewOpenAI(p, opt.policy())
	if err != nil {
		r.Status, r.Detail, r.Fix = Fail, oneLine(err), "Correct the provider on Admin → Model providers."
		return r
	}
	start := time.Now()
	if _, err := t.Transcribe(ctx, ToneWAV(time.Second)); err != nil {
		r.Status, r.Detail = Fail, "one second of test audio was not transcribed: "+oneLine(err)
		r.Fix = callFix(err)
		return r
	}
	r.Status, r.Detail = OK, fmt.Sprintf("one second of test audio transcribed in %s", time.Since(start).Round(time.Millisecond))
	return r
}

// chatSchema is the answer the chat check asks for.
var chatSchema = json.RawMessage(`{"type":"object","properties":{"ok":{"type":"boolean"}},"required":["ok"],"additionalProperties":false}`)

func roundTripChat(ctx context.Context, opt Options, p store.Provider, r Result) Result {
	key := ""
	if p.APIKeyEnv != "" {
		key = opt.Getenv(p.APIKeyEnv)
	}
	llm, err := summarize.NewOpenAI(summarize.Config{Name: p.Name, BaseURL: p.BaseURL, APIKey: key, Model: p.Model, Azure: p.Kind == store.KindAzure,
		AzureAPIVersion: p.AzureAPIVersion, JSONSchema: p.JSONSchema, Policy: opt.policy()})
	if err != nil {
		r.Status, r.Detail, r.Fix = Fail, oneLine(err), "Correct the provider on Admin → Model providers."
		return r
	}
	start := time.Now()
	resp, err := llm.Chat(ctx, summarize.ChatRequest{
		Messages: []summarize.Message{
			{Role: summarize.RoleSystem, Content: "You answer with JSON only."},
			{Role: summarize.RoleUser, Content: `This is a connection test. Answer with the JSON object {"ok": true}.`},
		},
		Schema: &summarize.OutputSchema{Name: "scribe_check", Schema: chatSchema},
	})
	if err != nil {
		r.Status, r.Detail = Fail, "the test question was not answered: "+oneLine(err)
		r.Fix = callFix(err)
		return r
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(strings.TrimSpace(resp.Content)), &got); err != nil {
		r.Status, r.Detail = Fail, "the model answered, but not with JSON: notes cannot be drafted from such answers"
		r.Fix = "Choose a model that follows JSON output instructions (most instruction-tuned models of 7B parameters or more do); if the server does not support JSON schemas, turn that option off on the provider."
		return r
	}
	if _, ok := got["ok"].(bool); !ok {
		r.Status, r.Detail = Fail, "the model answered JSON, but not in the shape asked for: drafts may fail their structure check"
		r.Fix = "Choose a model that follows JSON schemas, or turn the JSON-schema option on the provider on if the server supports it."
		return r
	}
	r.Status, r.Detail = OK, fmt.Sprintf("answered with the JSON asked for in %s", time.Since(start).Round(time.Millisecond))
	return r
}

func callFix(err error) string {
	switch modelcall.KindOf(err) {
	case modelcall.KindUnauthorized, modelcall.KindForbidden:
		return "Put a valid API key in the environment variable the provider names and restart Scribe."
	case modelcall.KindTLS:
		return "The server's certificate is not trusted by this machine: install its certificate authority, or use its correct host name."
	case modelcall.KindNotFound:
		return "Correct the model name (Azure: the deployment name) on Admin → Model providers, or load the model on the server."
	case modelcall.KindRejected, modelcall.KindBadResponse:
		return "The server refused the request: check that it is an OpenAI-compatible server for this use (speech for transcription, chat for drafting)."
	}
	return "Check the model server's own logs; it must be running and answer within the check's time limit."
}

// ToneWAV is d of a quiet 440 Hz tone as a 16 kHz mono 16-bit WAV: test
// audio that carries nothing about anyone.
func ToneWAV(d time.Duration) []byte {
	const rate = 16000
	n := int(d.Seconds() * rate)
	var b bytes.Buffer
	w := func(v any) { _ = binary.Write(&b, binary.LittleEndian, v) }
	b.WriteString("RIFF")
	w(uint32(36 + 2*n)) // #nosec G115 -- a few seconds at most
	b.WriteString("WAVEfmt ")
	w(uint32(16))
	w(uint16(1))
	w(uint16(1))
	w(uint32(rate))
	w(uint32(rate * 2))
	w(uint16(2))
	w(uint16(16))
	b.WriteString("data")
	w(uint32(2 * n)) // #nosec G115 -- a few seconds at most
	for i := 0; i < n; i++ {
		w(int16(3000 * math.Sin(2*math.Pi*440*float64(i)/rate)))
	}
	return b.Bytes()
}
