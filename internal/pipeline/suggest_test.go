package pipeline_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/scribe-health/scribe/internal/fakeopenai"
	"github.com/scribe-health/scribe/internal/pipeline"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/testenv"
	"github.com/scribe-health/scribe/internal/validate"
	"github.com/scribe-health/scribe/redaction"
)

const redactorModel = "redactor-test-1"

// secondOpinionLines: one identifier the engine finds (the street) and one
// it leaves (a bar named by everyday words); made up.
var secondOpinionLines = []string{
	"I moved in at 4417 Quillmont Avenue last month.",
	"On Fridays we drink at the green door, that is where it started.",
	"My sleep has been better since the new routine.",
}

// redactorFake is a self-hosted model for the redaction second opinion: it
// answers the identifiers request with the bar's name when the text it is
// sent holds it, and records what it was sent.
func redactorFake(t *testing.T) *fakeopenai.Server {
	t.Helper()
	red := fakeopenai.New("unused-whisper", redactorModel)
	t.Cleanup(red.Close)
	red.Answer = func(req fakeopenai.ChatRequest) (string, error) {
		if req.ResponseFormat == nil || req.ResponseFormat.JSONSchema == nil || req.ResponseFormat.JSONSchema.Name != pipeline.SuggestSchemaName {
			return "", errors.New("not an identifiers request")
		}
		var ids []map[string]string
		for _, m := range req.Messages {
			if m.Role == "user" && strings.Contains(m.Content, "green door") {
				ids = append(ids, map[string]string{"text": "green door", "type": "LOCATION"})
			}
		}
		b, err := json.Marshal(map[string]any{"identifiers": append([]map[string]string{}, ids...)})
		return string(b), err
	}
	return red
}

func putProvider(t *testing.T, h *harness, p store.Provider) {
	t.Helper()
	if err := h.store.InTx(h.ctx, func(tx *store.Tx) error { return tx.PutProvider(h.ctx, p) }); err != nil {
		t.Fatal(err)
	}
}

func (h *harness) transcribeLines(lines []string) {
	h.fake.Transcribe = func(pcm []int) ([]fakeopenai.Segment, error) {
		var out []fakeopenai.Segment
		for i, l := range lines {
			out = append(out, fakeopenai.Segment{Start: float64(i) * 2, End: float64(i)*2 + 1.8, Text: l})
		}
		return out, nil
	}
}

// TestRedactionSecondOpinion: with a self-hosted provider configured for
// redaction, the redact stage sends it the transcript, adds what it finds
// (the drafting model never sees it) and audits the call.
func TestRedactionSecondOpinion(t *testing.T) {
	// the example must need the second opinion
	if r, err := redaction.NewSession().Redact(secondOpinionLines[1]); err != nil || !strings.Contains(r.Text, "green door") {
		t.Fatalf("the engine alone redacts the bar (%q, %v): the example tests nothing", r.Text, err)
	}
	forEachBackend(t, func(t *testing.T, b testenv.Backend) {
		h := newHarness(t, b)
		red := redactorFake(t)
		putProvider(t, h, store.Provider{Name: "local-redactor", Kind: "openai", BaseURL: red.BaseURL(), Model: redactorModel, Use: store.UseRedaction, SelfHosted: true})
		h.fake.Forbid("Quillmont", "green door")
		h.transcribeLines(secondOpinionLines)
		h.startWorkers(store.WorkerOptions{})
		id := h.ingest(testenv.WAV(16000, make([]int16, 16000*7)), pipeline.IngestOptions{}, time.Minute)
		if err := h.wait(id); err != nil {
			t.Fatal(err)
		}
		h.noFakeProblems() // the drafting model saw neither identifier
		if p := red.Problems(); len(p) > 0 {
			t.Fatalf("the redaction model found problems with what it was sent: %v", p)
		}
		chats := red.Chats()
		if len(chats) != 1 {
			t.Fatalf("the redaction model got %d requests, want 1", len(chats))
		}
		c := chats[0]
		if c.Model != redactorModel || c.SchemaName != pipeline.SuggestSchemaName || c.ResponseFormat != "json_schema" {
			t.Fatalf("redaction request: model %q, schema %q, format %q", c.Model, c.SchemaName, c.ResponseFormat)
		}
		for _, l := range secondOpinionLines {
			if !strings.Contains(c.Body, strings.TrimSuffix(l, ".")) {
				t.Fatalf("the redaction model was not sent the transcript line %d", len(l))
			}
		}
		found := false
		for _, e := range h.auditIntact() {
			if e.Action == "provider.call" && e.Details["use"] == store.UseRedaction {
				if e.Outcome == "failure" || e.Details["provider"] != "local-redactor" || e.Details["spans_added"] == "" || e.Details["spans_added"] == "0" {
					t.Fatalf("redaction call audited as %+v", e.Event)
				}
				found = true
			}
		}
		if !found {
			t.Fatal("the redaction provider call was not audited")
		}
	})
}

// TestRedactionProviderMustBeSelfHosted: a redaction provider that is not
// self-hosted is refused when it is added, and a record that reached the
// store anyway is never sent a transcript: the session fails at the redact
// stage with a reason an admin can act on, and the refusal is audited.
func TestRedactionProviderMustBeSelfHosted(t *testing.T) {
	p := store.Provider{Name: "hosted-redactor", Kind: "openai", BaseURL: "https://api.example.com/v1", Model: "m", Use: store.UseRedaction,
		BAASigned: "2026-01-01", BAAExpires: "2027-01-01"}
	var ve *validate.Error
	if err := p.Validate(); !errors.As(err, &ve) || !strings.Contains(err.Error(), "self-hosted") {
		t.Fatalf("Validate: %v, want a refusal that says self-hosted", err)
	}
	forEachBackend(t, func(t *testing.T, b testenv.Backend) {
		h := newHarness(t, b)
		red := redactorFake(t)
		p.BaseURL = red.BaseURL()
		putProvider(t, h, p)
		h.transcribeLines(secondOpinionLines)
		h.startWorkers(store.WorkerOptions{})
		id := h.ingest(testenv.WAV(16000, make([]int16, 16000*7)), pipeline.IngestOptions{}, time.Minute)
		err := h.wait(id)
		if !errors.Is(err, pipeline.ErrSessionFailed) || !strings.Contains(err.Error(), "self-hosted") || !strings.Contains(err.Error(), "redact") {
			t.Fatalf("wait: %v, want the session failed at the redact stage for a provider that is not self-hosted", err)
		}
		if n := red.Requests(fakeopenai.ChatCompletions); n != 0 {
			t.Fatalf("the hosted redaction provider got %d requests", n)
		}
		refused := false
		for _, e := range h.auditIntact() {
			if e.Action == "provider.call" && e.Details["use"] == store.UseRedaction && e.Details["refused"] == "not_self_hosted" {
				refused = true
			}
		}
		if !refused {
			t.Fatal("the refusal was not audited")
		}
	})
}

// TestRedactionSecondOpinionMalformed: an answer that is not the list asked
// for fails the session at the redact stage (nothing goes on to drafting
// with less redaction than configured), and the failed call is audited.
func TestRedactionSecondOpinionMalformed(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b testenv.Backend) {
		h := newHarness(t, b)
		red := redactorFake(t)
		red.Answer = func(fakeopenai.ChatRequest) (string, error) { return "the identifiers are: green door", nil }
		putProvider(t, h, store.Provider{Name: "local-redactor", Kind: "openai", BaseURL: red.BaseURL(), Model: redactorModel, Use: store.UseRedaction, SelfHosted: true})
		h.transcribeLines(secondOpinionLines)
		h.startWorkers(store.WorkerOptions{})
		id := h.ingest(testenv.WAV(16000, make([]int16, 16000*7)), pipeline.IngestOptions{}, time.Minute)
		err := h.wait(id)
		if !errors.Is(err, pipeline.ErrSessionFailed) || !strings.Contains(err.Error(), "not the list of identifiers") {
			t.Fatalf("wait: %v, want the session failed for the malformed second opinion", err)
		}
		if n := h.fake.Requests(fakeopenai.ChatCompletions); n != 0 {
			t.Fatalf("the drafting model got %d requests after a failed redaction", n)
		}
		failed := false
		for _, e := range h.auditIntact() {
			if e.Action == "provider.call" && e.Details["use"] == store.UseRedaction && e.Outcome == "failure" {
				failed = true
			}
		}
		if !failed {
			t.Fatal("the failed redaction call was not audited")
		}
	})
}
