package summarize

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/scribe-health/scribe/internal/modelcall"
	"github.com/scribe-health/scribe/internal/transcript"
	"github.com/scribe-health/scribe/prompts"
)

const (
	testModel = "scribe-test-model"
	testKey   = "sk-test-not-a-secret"
	// secretText is identifying text that exists only outside the
	// segments given to Draft; it must never reach the provider.
	secretText = "Quentin Marlowe-Abernathy"
)

// request is what the fake server saw in one call.
type request struct {
	FormatType string // response_format.type
	SchemaName string
	Messages   []openai.ChatCompletionMessage
	// Transcript segment IDs in the user message's transcript block.
	SegmentIDs []string
	Extracted  []prompts.Extracted
	Tokens     int // estimated prompt tokens
}

// fakeOpenAI is an in-process OpenAI-compatible chat server. It checks
// every request (auth, model, response_format, schema, that transcript lines
// are exactly the given segments and no other text) and answers from a
// script.
type fakeOpenAI struct {
	t      *testing.T
	srv    *httptest.Server
	format prompts.Format
	// wantType is the response_format type every accepted request must use.
	wantType string
	// rejectSchema answers json_schema requests with HTTP 400.
	rejectSchema bool
	segLines     map[string]string // segment ID → prompts.SegmentLine
	reply        func(call int, req request) string

	mu       sync.Mutex
	requests []request
	rejected int
	seen     map[string]int
}

func newFake(t *testing.T, f prompts.Format, segs []transcript.Segment, wantType string, reply func(call int, req request) string) *fakeOpenAI {
	t.Helper()
	fk := &fakeOpenAI{t: t, format: f, wantType: wantType, reply: reply, segLines: map[string]string{}, seen: map[string]int{}}
	for _, s := range segs {
		fk.segLines[s.ID] = strings.TrimSuffix(prompts.SegmentLine(s), "\n")
	}
	fk.srv = httptest.NewServer(http.HandlerFunc(fk.handle))
	t.Cleanup(fk.srv.Close)
	return fk
}

func (fk *fakeOpenAI) llm(t *testing.T, jsonSchema bool) *OpenAI {
	t.Helper()
	// Retries are modelcall's to test; here one quick retry is enough.
	o, err := NewOpenAI(Config{Name: "test-llm", BaseURL: fk.srv.URL + "/v1", APIKey: testKey, Model: testModel, JSONSchema: jsonSchema,
		Policy: modelcall.Policy{MaxAttempts: 2, BaseDelay: time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func (fk *fakeOpenAI) fail(w http.ResponseWriter, format string, args ...any) {
	fk.t.Errorf("fake OpenAI: "+format, args...)
	http.Error(w, `{"error":{"message":"test server rejected request","type":"test"}}`, http.StatusInternalServerError)
}

func (fk *fakeOpenAI) handle(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/v1/chat/completions" || r.Method != http.MethodPost {
		fk.fail(w, "unexpected %s %s", r.Method, r.URL.Path)
		return
	}
	if got := r.Header.Get("Authorization"); got != "Bearer "+testKey {
		fk.fail(w, "authorization header = %q", got)
		return
	}
	var req openai.ChatCompletionRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		fk.fail(w, "request is not JSON: %v", err)
		return
	}
	if req.Model != testModel {
		fk.fail(w, "model = %q, want %q", req.Model, testModel)
		return
	}
	if req.ResponseFormat == nil {
		fk.fail(w, "no response_format")
		return
	}
	rec := request{FormatType: string(req.ResponseFormat.Type), Messages: req.Messages}
	if req.ResponseFormat.Type == openai.ChatCompletionResponseFormatTypeJSONSchema {
		js := req.ResponseFormat.JSONSchema
		if js == nil || !js.Strict {
			fk.fail(w, "json_schema without a strict schema")
			return
		}
		rec.SchemaName = js.Name
		if want := SchemaName(fk.format); js.Name != want {
			fk.fail(w, "schema name = %q, want %q", js.Name, want)
			return
		}
		raw, _ := json.Marshal(js.Schema)
		var schema struct {
			Properties struct {
				Sections struct {
					Required []string `json:"required"`
				} `json:"sections"`
			} `json:"properties"`
		}
		if err := json.Unmarshal(raw, &schema); err != nil {
			fk.fail(w, "schema is not JSON: %v", err)
			return
		}
		var keys []string
		for _, s := range fk.format.Sections {
			keys = append(keys, s.Key)
		}
		if strings.Join(schema.Properties.Sections.Required, ",") != strings.Join(keys, ",") {
			fk.fail(w, "schema requires sections %v, want %v", schema.Properties.Sections.Required, keys)
			return
		}
		if fk.rejectSchema {
			fk.mu.Lock()
			fk.rejected++
			fk.mu.Unlock()
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"error":{"message":"response_format json_schema is not supported by this server","type":"invalid_request_error","code":"unsupported_response_format"}}`)
			return
		}
	}
	if rec.FormatType != fk.wantType {
		fk.fail(w, "response_format type = %q, want %q", rec.FormatType, fk.wantType)
		return
	}
	if len(req.Messages) < 2 || req.Messages[0].Role != "system" || req.Messages[1].Role != "user" {
		fk.fail(w, "messages must start with system, user")
		return
	}
	chars := 0
	for _, m := range req.Messages {
		chars += len(m.Content)
		if strings.Contains(m.Content, secretText) {
			fk.fail(w, "text from outside the given segments was sent")
			return
		}
	}
	rec.Tokens = (chars + 3) / 4
	user := req.Messages[1].Content
	if block, ok := between(user, prompts.TranscriptStart+"\n", prompts.TranscriptEnd); ok {
		for _, line := range strings.Split(strings.TrimSuffix(block, "\n"), "\n") {
			id := strings.TrimPrefix(strings.SplitN(line, " ", 2)[0], "[")
			if want, ok := fk.segLines[id]; !ok || want != line {
				fk.fail(w, "transcript line for %q is not a given segment", id)
				return
			}
			rec.SegmentIDs = append(rec.SegmentIDs, id)
		}
		if len(rec.SegmentIDs) == 0 {
			fk.fail(w, "empty transcript block")
			return
		}
	} else if block, ok := between(user, prompts.ExtractedStart+"\n", prompts.ExtractedEnd); ok {
		for _, line := range strings.Split(strings.TrimSuffix(block, "\n"), "\n") {
			if line == "" {
				continue
			}
			var e prompts.Extracted
			if err := json.Unmarshal([]byte(line), &e); err != nil {
				fk.fail(w, "extracted line is not JSON")
				return
			}
			rec.Extracted = append(rec.Extracted, e)
		}
	} else {
		fk.fail(w, "user message has neither a transcript nor an extracted block")
		return
	}
	fk.mu.Lock()
	call := len(fk.requests)
	fk.requests = append(fk.requests, rec)
	for _, id := range rec.SegmentIDs {
		fk.seen[id]++
	}
	fk.mu.Unlock()

	content := fk.reply(call, rec)
	resp := openai.ChatCompletionResponse{
		ID: fmt.Sprintf("chatcmpl-%d", call), Object: "chat.completion", Model: testModel + "-2025",
		Choices: []openai.ChatCompletionChoice{{Index: 0, FinishReason: openai.FinishReasonStop,
			Message: openai.ChatCompletionMessage{Role: "assistant", Content: content}}},
		Usage: openai.Usage{PromptTokens: rec.Tokens, CompletionTokens: len(content) / 4, TotalTokens: rec.Tokens + len(content)/4},
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(resp)
}

func (fk *fakeOpenAI) calls() []request {
	fk.mu.Lock()
	defer fk.mu.Unlock()
	return append([]request(nil), fk.requests...)
}

func between(s, start, end string) (string, bool) {
	i := strings.Index(s, start)
	if i < 0 {
		return "", false
	}
	j := strings.Index(s[i+len(start):], end)
	if j < 0 {
		return "", false
	}
	return s[i+len(start) : i+len(start)+j], true
}

// stmt is a statement in a scripted reply.
type stmt struct {
	Text      string   `json:"text"`
	Citations []string `json:"citations"`
}

// noteJSON renders a reply with every section of f present.
func noteJSON(f prompts.Format, content map[string][]stmt) string {
	secs := map[string]any{}
	for _, s := range f.Sections {
		st := content[s.Key]
		if st == nil {
			st = []stmt{}
		}
		secs[s.Key] = map[string]any{"statements": st}
	}
	b, _ := json.Marshal(map[string]any{"sections": secs})
	return string(b)
}

func mustFormat(t testing.TB, id string) prompts.Format {
	t.Helper()
	f, err := prompts.FormatByID(id)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func mustModality(t testing.TB, id string) prompts.Modality {
	t.Helper()
	m, err := prompts.ModalityByID(id)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// session builds a synthetic, already-redacted transcript.
func session(lines ...string) []transcript.Segment {
	segs := make([]transcript.Segment, len(lines))
	for i, l := range lines {
		speaker, text, _ := strings.Cut(l, ": ")
		segs[i] = transcript.Segment{Speaker: speaker, StartMS: int64(i) * 7000, EndMS: int64(i)*7000 + 6000, Text: text}
	}
	transcript.AssignIDs(segs)
	return segs
}

// sortedKeys is for stable failure messages.
func sortedKeys(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func http500(msg string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		b, _ := json.Marshal(map[string]any{"error": map[string]any{"message": msg, "type": "server_error"}})
		_, _ = w.Write(b)
	})
}
