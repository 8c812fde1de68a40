// Package fakeopenai is an in-process fake of the OpenAI-compatible HTTP API
// (the one external paid service Scribe talks to) for tests and benchmarks.
// It checks what it is sent — the multipart audio must be a valid 16 kHz
// mono 16-bit WAV, the model and response format must be the expected ones,
// and no forbidden string (a test's identifiers) may appear in any request —
// and records every problem for the test to assert on. Transcriptions are
// answered by running the offline recogniser pocketsphinx on the audio
// (real speech recognition), or by a function the test supplies.
//
// Faults are injected per endpoint (Transcriptions, ChatCompletions): a
// queue of faults for the next requests (Inject) or one fault for every
// request until healed (Down) — an HTTP status with or without
// Retry-After, a slow answer, a dropped connection. A faulted request is
// still checked, and counted (Requests), so a test can assert how many
// calls a provider-call policy made.
package fakeopenai

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-audio/wav"
)

// Segment is a transcription segment in seconds, as the API returns it;
// Speaker is its diarization label (answered when Server.Diarize is set).
type Segment struct {
	Start, End float64
	Text       string
	Speaker    string
}

// Transcription is what the fake saw of one transcription request.
type Transcription struct {
	Model          string
	ResponseFormat string
	SampleRate     int
	Channels       int
	BitDepth       int
	Samples        int
	DurationMS     int64
}

// Chat is what the fake saw of one chat completion request.
type Chat struct {
	Model          string
	ResponseFormat string
	SchemaName     string
	Body           string
}

// Server is the fake.
type Server struct {
	*httptest.Server
	// TranscribeModel and ChatModel are the model names requests must carry.
	TranscribeModel, ChatModel string
	// Transcribe answers a transcription from the decoded PCM (16 kHz mono).
	// Nil means pocketsphinx.
	Transcribe func(pcm []int) ([]Segment, error)
	// Answer answers a chat request; nil means BuildNote (a grounded note
	// made from the request itself).
	Answer func(req ChatRequest) (string, error)
	// Roles answers a speaker-roles request line by line (the i-th line of
	// the request); nil means the default of buildRoles.
	Roles func(i int, line SegmentRef) (role string, confidence float64)
	// Diarize, when set, is the response format the fake expects for
	// transcriptions ("diarized_json", or "verbose_json" with speakers),
	// and it answers each segment with its Segment.Speaker; unset, a
	// request for diarized_json is a problem (the provider was not
	// configured to diarize).
	Diarize string

	mu             sync.Mutex
	forbidden      []string
	problems       []string
	transcriptions []Transcription
	chats          []Chat
	faults         map[string][]Fault
	down           map[string]*Fault
	requests       map[string]int
	block          chan struct{}
	apiKey         string
	azureCalls     int
	latency        Latency
}

// APIKey, when set, is the key every request must carry (Bearer, or the
// api-key header for Azure).
func (s *Server) SetAPIKey(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.apiKey = key
}

// Azure counts requests that came in on Azure-style routes.
func (s *Server) Azure() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.azureCalls
}

func (s *Server) azure(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.azureCalls++
		s.mu.Unlock()
		if r.URL.Query().Get("api-version") == "" {
			s.problem("azure: no api-version query parameter")
		}
		if r.Header.Get("api-key") == "" {
			s.problem("azure: no api-key header")
		}
		next(w, r)
	}
}

func (s *Server) checkKey(r *http.Request) {
	s.mu.Lock()
	key := s.apiKey
	s.mu.Unlock()
	if key == "" {
		return
	}
	got := r.Header.Get("api-key")
	if got == "" {
		got = strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	}
	if got != key {
		s.problem("%s: wrong or missing API key", r.URL.Path)
	}
}

// Arrived counts transcription requests received, including ones held by
// Block; it is Requests(Transcriptions).
func (s *Server) Arrived() int { return s.Requests(Transcriptions) }

// New starts a fake with the given expected model names.
func New(transcribeModel, chatModel string) *Server {
	s := &Server{TranscribeModel: transcribeModel, ChatModel: chatModel,
		faults: map[string][]Fault{}, down: map[string]*Fault{}, requests: map[string]int{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/audio/transcriptions", s.handleTranscription)
	mux.HandleFunc("POST /v1/chat/completions", s.handleChat)
	mux.HandleFunc("GET /v1/models", s.handleModels)
	// Azure OpenAI: /openai/deployments/{deployment}/…?api-version=…, key in the api-key header.
	mux.HandleFunc("POST /openai/deployments/{deployment}/audio/transcriptions", s.azure(s.handleTranscription))
	mux.HandleFunc("POST /openai/deployments/{deployment}/chat/completions", s.azure(s.handleChat))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.problem("unexpected request %s %s", r.Method, r.URL.Path)
		http.Error(w, "not found", http.StatusNotFound)
	})
	s.Server = httptest.NewServer(mux)
	return s
}

// BaseURL is the API base to configure a provider with.
func (s *Server) BaseURL() string { return s.URL + "/v1" }

// Forbid records strings that must never appear in any request (the
// synthetic identifiers of a test transcript).
func (s *Server) Forbid(values ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.forbidden = append(s.forbidden, values...)
}

// The endpoints faults are injected on and requests are counted for.
const (
	Transcriptions  = "transcriptions" // POST …/audio/transcriptions
	ChatCompletions = "chat"           // POST …/chat/completions
	Models          = "models"         // GET /v1/models
)

// Fault is what the fake does to one request instead of answering it.
type Fault struct {
	// Status answers with this HTTP status and an OpenAI-style error body.
	Status int
	// RetryAfter, with Status, is sent as the Retry-After header (seconds
	// or an HTTP date).
	RetryAfter string
	// Delay holds the request this long first (a slow provider); a client
	// that gives up ends the wait. A Fault with only a Delay then answers
	// normally.
	Delay time.Duration
	// Drop closes the connection without answering, after the request has
	// been read.
	Drop bool
}

func checkEndpoint(endpoint string) {
	if endpoint != Transcriptions && endpoint != ChatCompletions && endpoint != Models {
		panic(fmt.Sprintf("fakeopenai: unknown endpoint %q (want %q, %q or %q)", endpoint, Transcriptions, ChatCompletions, Models))
	}
}

// Inject queues faults for the next len(faults) requests to an endpoint.
func (s *Server) Inject(endpoint string, faults ...Fault) {
	checkEndpoint(endpoint)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[endpoint] = append(s.faults[endpoint], faults...)
}

// Down makes every request to an endpoint meet f until Heal (after any
// queued faults).
func (s *Server) Down(endpoint string, f Fault) {
	checkEndpoint(endpoint)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down[endpoint] = &f
}

// Heal clears an endpoint's queued faults and its Down fault.
func (s *Server) Heal(endpoint string) {
	checkEndpoint(endpoint)
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.faults, endpoint)
	delete(s.down, endpoint)
}

// Requests counts the requests that reached an endpoint, faulted, held and
// refused ones included.
func (s *Server) Requests(endpoint string) int {
	checkEndpoint(endpoint)
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[endpoint]
}

func (s *Server) arrive(endpoint string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests[endpoint]++
}

func (s *Server) takeFault(endpoint string) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if q := s.faults[endpoint]; len(q) > 0 {
		s.faults[endpoint] = q[1:]
		return q[0], true
	}
	if f := s.down[endpoint]; f != nil {
		return *f, true
	}
	return Fault{}, false
}

// fault applies the endpoint's next fault, if any, and reports whether the
// request has been dealt with.
func (s *Server) fault(w http.ResponseWriter, r *http.Request, endpoint string) bool {
	f, ok := s.takeFault(endpoint)
	if !ok {
		return false
	}
	if f.Delay > 0 {
		t := time.NewTimer(f.Delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return true
		}
	}
	switch {
	case f.Drop:
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			s.problem("fake: cannot drop the connection: %v", err)
			return true
		}
		conn.Close()
		return true
	case f.Status != 0:
		if f.RetryAfter != "" {
			w.Header().Set("Retry-After", f.RetryAfter)
		}
		apiError(w, f.Status, fmt.Sprintf("simulated HTTP %d", f.Status))
		return true
	}
	return false
}

// Block holds every transcription request until Unblock (crash tests).
func (s *Server) Block() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.block = make(chan struct{})
}

// Unblock releases held requests.
func (s *Server) Unblock() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.block != nil {
		close(s.block)
		s.block = nil
	}
}

// Problems lists everything the fake found wrong with what it was sent.
func (s *Server) Problems() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.problems...)
}

// Transcriptions lists the transcription requests seen.
func (s *Server) Transcriptions() []Transcription {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Transcription(nil), s.transcriptions...)
}

// Chats lists the chat requests seen.
func (s *Server) Chats() []Chat {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Chat(nil), s.chats...)
}

func (s *Server) problem(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.problems = append(s.problems, fmt.Sprintf(format, args...))
}

func (s *Server) checkForbidden(where string, body []byte) {
	s.mu.Lock()
	forbidden := append([]string(nil), s.forbidden...)
	s.mu.Unlock()
	lower := bytes.ToLower(body)
	for _, f := range forbidden {
		if f != "" && bytes.Contains(lower, bytes.ToLower([]byte(f))) {
			s.problem("%s request contains a forbidden identifier (%d chars)", where, len(f))
		}
	}
}

func apiError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"message": msg, "type": "invalid_request_error", "code": nil}})
}

func (s *Server) handleTranscription(w http.ResponseWriter, r *http.Request) {
	s.arrive(Transcriptions)
	s.mu.Lock()
	block := s.block
	s.mu.Unlock()
	if block != nil {
		select {
		case <-block:
		case <-r.Context().Done():
			return
		}
	}
	s.checkKey(r)
	if err := r.ParseMultipartForm(64 << 20); err != nil {
		s.problem("transcription: not a multipart form: %v", err)
		apiError(w, 400, "expected multipart form")
		return
	}
	rec := Transcription{Model: r.FormValue("model"), ResponseFormat: r.FormValue("response_format")}
	if dep := r.PathValue("deployment"); dep != "" && dep != s.TranscribeModel {
		s.problem("azure transcription: deployment %q, want %q", dep, s.TranscribeModel)
	}
	if rec.Model != s.TranscribeModel {
		s.problem("transcription: model %q, want %q", rec.Model, s.TranscribeModel)
	}
	switch want := s.Diarize; {
	case want == "" && rec.ResponseFormat != "verbose_json":
		s.problem("transcription: response_format %q, want verbose_json", rec.ResponseFormat)
	case want != "" && rec.ResponseFormat != want:
		s.problem("transcription: response_format %q, want %s (the provider diarizes)", rec.ResponseFormat, want)
	case want == "diarized_json" && r.FormValue("chunking_strategy") != "auto":
		s.problem("transcription: diarized_json without chunking_strategy auto")
	}
	f, _, err := r.FormFile("file")
	if err != nil {
		s.problem("transcription: no file part")
		apiError(w, 400, "no file")
		return
	}
	data, _ := io.ReadAll(f)
	if len(data) > 25<<20 {
		s.problem("transcription: file is %d bytes, over the 25 MB limit", len(data))
	}
	dec := wav.NewDecoder(bytes.NewReader(data))
	buf, err := dec.FullPCMBuffer()
	if err != nil || !dec.IsValidFile() {
		s.problem("transcription: file is not a valid WAV: %v", err)
		apiError(w, 400, "invalid WAV")
		return
	}
	rec.SampleRate, rec.Channels, rec.BitDepth = int(dec.SampleRate), int(dec.NumChans), int(dec.BitDepth)
	rec.Samples = len(buf.Data)
	rec.DurationMS = int64(rec.Samples) * 1000 / 16000
	if rec.SampleRate != 16000 || rec.Channels != 1 || rec.BitDepth != 16 {
		s.problem("transcription: WAV is %d Hz, %d ch, %d bit; want 16000 Hz mono 16-bit", rec.SampleRate, rec.Channels, rec.BitDepth)
	}
	// A faulted request has been checked like any other.
	if s.fault(w, r, Transcriptions) {
		return
	}
	s.mu.Lock()
	s.transcriptions = append(s.transcriptions, rec)
	s.mu.Unlock()
	if !hold(r, s.currentLatency().transcriptionDelay(rec.DurationMS)) {
		return
	}
	transcribe := s.Transcribe
	if transcribe == nil {
		transcribe = func(pcm []int) ([]Segment, error) { return Pocketsphinx(data) }
	}
	segs, err := transcribe(buf.Data)
	if err != nil {
		apiError(w, 500, "recogniser failed: "+err.Error())
		return
	}
	type seg struct {
		ID      any     `json:"id"`
		Type    string  `json:"type,omitempty"`
		Start   float64 `json:"start"`
		End     float64 `json:"end"`
		Text    string  `json:"text"`
		Speaker string  `json:"speaker,omitempty"`
	}
	out := struct {
		Task     string  `json:"task"`
		Language string  `json:"language"`
		Duration float64 `json:"duration"`
		Text     string  `json:"text"`
		Segments []seg   `json:"segments"`
	}{Task: "transcribe", Language: "english", Duration: float64(rec.Samples) / 16000}
	var texts []string
	for i, sg := range segs {
		one := seg{ID: i, Start: sg.Start, End: sg.End, Text: " " + sg.Text}
		switch s.Diarize {
		case "diarized_json":
			// OpenAI's diarized_json: string ids, a type, text without the leading space.
			one = seg{ID: fmt.Sprintf("seg_%d", i), Type: "transcript.text.segment", Start: sg.Start, End: sg.End, Text: sg.Text, Speaker: sg.Speaker}
		case "verbose_json":
			one.Speaker = sg.Speaker
		}
		out.Segments = append(out.Segments, one)
		texts = append(texts, sg.Text)
	}
	out.Text = strings.Join(texts, " ")
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(out)
}

// handleModels lists the two expected models, as the OpenAI API's
// GET /v1/models does (a provider check reads it; nothing of a session).
func (s *Server) handleModels(w http.ResponseWriter, r *http.Request) {
	s.arrive(Models)
	s.checkKey(r)
	if s.fault(w, r, Models) {
		return
	}
	var data []map[string]any
	for _, m := range []string{s.TranscribeModel, s.ChatModel} {
		if m != "" {
			data = append(data, map[string]any{"id": m, "object": "model", "owned_by": "fake"})
		}
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"object": "list", "data": data})
}

// Pocketsphinx transcribes a WAV with the offline recogniser, one segment
// per utterance.
func Pocketsphinx(wavData []byte) ([]Segment, error) {
	bin, err := exec.LookPath("pocketsphinx_continuous")
	if err != nil {
		return nil, fmt.Errorf("pocketsphinx_continuous not installed")
	}
	dir, err := os.MkdirTemp("", "fakeopenai")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	p := filepath.Join(dir, "chunk.wav")
	if err := os.WriteFile(p, wavData, 0o600); err != nil {
		return nil, err
	}
	out, err := exec.Command(bin, "-infile", p, "-logfn", "/dev/null", "-time", "yes").Output()
	if err != nil {
		return nil, fmt.Errorf("pocketsphinx: %w", err)
	}
	return parsePocketsphinx(string(out)), nil
}

var timing = regexp.MustCompile(`^(\S+) (\d+\.\d+) (\d+\.\d+) (\d+\.\d+)$`)

func parsePocketsphinx(out string) []Segment {
	var segs []Segment
	var cur *Segment
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		m := timing.FindStringSubmatch(line)
		if m == nil {
			segs = append(segs, Segment{Text: line, Start: -1})
			cur = &segs[len(segs)-1]
			continue
		}
		if cur == nil {
			continue
		}
		start, _ := strconv.ParseFloat(m[2], 64)
		end, _ := strconv.ParseFloat(m[3], 64)
		if cur.Start < 0 {
			cur.Start = start
		}
		cur.End = end
	}
	out2 := segs[:0]
	for _, s := range segs {
		if s.Start >= 0 && strings.TrimSpace(s.Text) != "" {
			out2 = append(out2, s)
		}
	}
	return out2
}
